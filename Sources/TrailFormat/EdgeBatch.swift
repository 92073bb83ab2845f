/// An edge batch: the transform's output and the load's input, one JSON object per line.
/// Line 1 is the `BatchHeader` (provenance); then the `edge` rows, the `wide` rows and the
/// `policy` rows, each sorted by cluster, UTC day and key. Every row is one cluster's day of
/// its key (the all-time tables are their merge). The same archived items always give the
/// same rows, byte for byte.
package struct EdgeBatch: Equatable, Sendable {
    /// 2 added the policy rows (`policy_rows`); 3 made every row a piece of one cluster's
    /// UTC day (`cluster`, and `day` or a one-day `days`), the unit replay replaces.
    package static let formatVersion = 3

    package var header: BatchHeader
    package var edges: [EdgeRow]
    package var wide: [WideEdgeRow]
    package var policy: [PolicyFlowRow]

    package init(header: BatchHeader, edges: [EdgeRow], wide: [WideEdgeRow], policy: [PolicyFlowRow]) {
        self.header = header
        self.edges = edges
        self.wide = wide
        self.policy = policy
    }
}

/// Where a batch came from and what happened on the way.
package struct BatchHeader: Codable, Equatable, Sendable {
    enum CodingKeys: String, CodingKey {
        case kind
        case formatVersion = "format_version"
        case transformVersion = "transform_version"
        case settings
        case inputs
        case skippedInputs = "skipped_inputs"
        case items
        case dropped
        case edgeRows = "edge_rows"
        case wideRows = "wide_rows"
        case policyRows = "policy_rows"
        case rowsSha256 = "rows_sha256"
    }

    package var kind = "batch"
    package var formatVersion = EdgeBatch.formatVersion
    /// Bumped whenever the fold or the normalisation changes meaning: replay uses it.
    package var transformVersion: Int
    package var settings: TransformSettingsRecord
    /// Every input segment folded, by content hash (sorted by hash).
    package var inputs: [BatchInput]
    /// Inputs refused as corrupt and skipped because `--skip-corrupt` was given.
    package var skippedInputs: [SkippedInput]
    package var items: ItemCounts
    /// Items left out of each projection, by reason.
    package var dropped: DropCounts
    package var edgeRows: Int
    package var wideRows: Int
    package var policyRows: Int
    /// SHA-256 of the row lines (everything after line 1): equal batches have equal hashes
    /// however their input was split into segments.
    package var rowsSha256: String

    package init(
        transformVersion: Int, settings: TransformSettingsRecord, inputs: [BatchInput], skippedInputs: [SkippedInput],
        items: ItemCounts, dropped: DropCounts, edgeRows: Int, wideRows: Int, policyRows: Int, rowsSha256: String
    ) {
        self.transformVersion = transformVersion
        self.settings = settings
        self.inputs = inputs
        self.skippedInputs = skippedInputs
        self.items = items
        self.dropped = dropped
        self.edgeRows = edgeRows
        self.wideRows = wideRows
        self.policyRows = policyRows
        self.rowsSha256 = rowsSha256
    }
}

package struct TransformSettingsRecord: Codable, Hashable, Sendable {
    enum CodingKeys: String, CodingKey {
        case serviceIdentityNamespaces = "service_identity_namespaces"
        case serviceIdentityLabel = "service_identity_label"
    }

    package var serviceIdentityNamespaces: [String]
    package var serviceIdentityLabel: String
    package init(serviceIdentityNamespaces: [String], serviceIdentityLabel: String) {
        self.serviceIdentityNamespaces = serviceIdentityNamespaces
        self.serviceIdentityLabel = serviceIdentityLabel
    }
}

package struct BatchInput: Codable, Equatable, Sendable {
    enum CodingKeys: String, CodingKey {
        case segment
        case sha256
        case cluster
        case captureId = "capture_id"
        case windowStart = "window_start"
        case windowEnd = "window_end"
        case records
        case minStart = "min_start"
        case maxEnd = "max_end"
        case seal
        case coverage
        case replaces
    }

    package var segment: String
    package var sha256: String
    package var cluster: String
    package var captureId: String
    package var windowStart: Int64
    package var windowEnd: Int64
    package var records: Int
    package var minStart: Int64?
    package var maxEnd: Int64?
    package var seal: String
    package var coverage: Coverage
    /// A compacted day segment: the SHA-256 of the segments it replaces (absent otherwise).
    package var replaces: [String]?

    package init(segment: String, sha256: String, cluster: String, captureId: String, windowStart: Int64, windowEnd: Int64,
                 records: Int, minStart: Int64?, maxEnd: Int64?, seal: String, coverage: Coverage, replaces: [String]? = nil) {
        self.segment = segment
        self.sha256 = sha256
        self.cluster = cluster
        self.captureId = captureId
        self.windowStart = windowStart
        self.windowEnd = windowEnd
        self.records = records
        self.minStart = minStart
        self.maxEnd = maxEnd
        self.seal = seal
        self.coverage = coverage
        self.replaces = replaces
    }
}

package struct SkippedInput: Codable, Equatable, Sendable {
    package var segment: String
    package var error: String
    package init(segment: String, error: String) {
        self.segment = segment
        self.error = error
    }
}

package struct ItemCounts: Codable, Equatable, Sendable {
    enum CodingKeys: String, CodingKey {
        case read
        case duplicates
        case conflictingDuplicates = "conflicting_duplicates"
        case folded
    }

    /// Records read from the inputs.
    package var read: Int64 = 0
    /// Second copies of an item (same FlowKey and bucket start) with identical counters.
    package var duplicates: Int64 = 0
    /// Second copies whose counters differ (e.g. a replay that saw late data): counters are
    /// merged by taking the larger value of each, whatever the order.
    package var conflictingDuplicates: Int64 = 0
    /// Distinct items folded into the wide projection.
    package var folded: Int64 = 0
    package init() {}
}

package struct DropCounts: Codable, Equatable, Sendable {
    /// Items in no projection (malformed, no traffic), by reason.
    package var all: [String: Int64]
    /// Items in the wide projection but not in `edge`, by reason.
    package var edge: [String: Int64]
    package init(all: [String: Int64], edge: [String: Int64]) {
        self.all = all
        self.edge = edge
    }
}

/// A row of the runbook's `edge` table: one in-cluster namespace pair and verdict.
package struct EdgeRow: Codable, Equatable, Sendable {
    enum CodingKeys: String, CodingKey {
        case kind
        case cluster
        case day
        case srcNs = "src_ns"
        case dstNs = "dst_ns"
        case action
        case firstSeen = "first_seen"
        case lastSeen = "last_seen"
        case flowCount = "flow_count"
        case connections
        case packetsIn = "packets_in"
        case packetsOut = "packets_out"
        case bytesIn = "bytes_in"
        case bytesOut = "bytes_out"
    }

    package var kind = "edge"
    /// The cluster whose archive the row comes from.
    package var cluster: String
    /// The UTC day (YYYY-MM-DD) of a batch row's buckets; nil for an all-time row (the `edge` table).
    package var day: String?
    package var srcNs: String
    package var dstNs: String
    package var action: FlowAction
    package var firstSeen: Int64
    package var lastSeen: Int64
    package var flowCount: Int64
    package var connections: Int64
    package var packetsIn: Int64
    package var packetsOut: Int64
    package var bytesIn: Int64
    package var bytesOut: Int64

    package init(cluster: String = "", day: String? = nil, srcNs: String, dstNs: String, action: FlowAction, totals: EdgeTotals) {
        self.cluster = cluster
        self.day = day
        self.srcNs = srcNs
        self.dstNs = dstNs
        self.action = action
        firstSeen = totals.firstSeen
        lastSeen = totals.lastSeen
        flowCount = totals.flowCount
        connections = totals.connections
        packetsIn = totals.packetsIn
        packetsOut = totals.packetsOut
        bytesIn = totals.bytesIn
        bytesOut = totals.bytesOut
    }

    package var totals: EdgeTotals {
        EdgeTotals(firstSeen: firstSeen, lastSeen: lastSeen, flowCount: flowCount, connections: connections,
                   packetsIn: packetsIn, packetsOut: packetsOut, bytesIn: bytesIn, bytesOut: bytesOut)
    }
}

/// A row of the wide projection: identities, workloads, endpoint types, service, port,
/// protocol, verdict and reporter, with the days (UTC) it was seen on.
package struct WideEdgeRow: Codable, Equatable, Sendable {
    enum CodingKeys: String, CodingKey {
        case kind
        case cluster
        case srcType = "src_type"
        case srcNs = "src_ns"
        case srcIdentity = "src_identity"
        case srcWorkload = "src_workload"
        case dstType = "dst_type"
        case dstNs = "dst_ns"
        case dstIdentity = "dst_identity"
        case dstWorkload = "dst_workload"
        case dstService = "dst_service"
        case dstPort = "dst_port"
        case proto
        case action
        case reporter
        case firstSeen = "first_seen"
        case lastSeen = "last_seen"
        case flowCount = "flow_count"
        case connections
        case packetsIn = "packets_in"
        case packetsOut = "packets_out"
        case bytesIn = "bytes_in"
        case bytesOut = "bytes_out"
        case days
    }

    package var kind = "wide"
    /// The cluster whose archive the row comes from.
    package var cluster: String
    package var srcType: EndpointType
    package var srcNs: String
    package var srcIdentity: String
    package var srcWorkload: String
    package var dstType: EndpointType
    package var dstNs: String
    package var dstIdentity: String
    package var dstWorkload: String
    package var dstService: String
    package var dstPort: Int64
    package var proto: String
    package var action: FlowAction
    package var reporter: Reporter
    package var firstSeen: Int64
    package var lastSeen: Int64
    package var flowCount: Int64
    package var connections: Int64
    package var packetsIn: Int64
    package var packetsOut: Int64
    package var bytesIn: Int64
    package var bytesOut: Int64
    /// The UTC days (YYYY-MM-DD) on which the edge was seen, ascending: exactly one in a
    /// batch row, every day in an all-time row (the `edge_wide` table).
    package var days: [String]

    package init(
        cluster: String = "", srcType: EndpointType, srcNs: String, srcIdentity: String, srcWorkload: String,
        dstType: EndpointType, dstNs: String, dstIdentity: String, dstWorkload: String,
        dstService: String, dstPort: Int64, proto: String, action: FlowAction, reporter: Reporter,
        totals: EdgeTotals, days: [String]
    ) {
        self.cluster = cluster
        self.srcType = srcType
        self.srcNs = srcNs
        self.srcIdentity = srcIdentity
        self.srcWorkload = srcWorkload
        self.dstType = dstType
        self.dstNs = dstNs
        self.dstIdentity = dstIdentity
        self.dstWorkload = dstWorkload
        self.dstService = dstService
        self.dstPort = dstPort
        self.proto = proto
        self.action = action
        self.reporter = reporter
        firstSeen = totals.firstSeen
        lastSeen = totals.lastSeen
        flowCount = totals.flowCount
        connections = totals.connections
        packetsIn = totals.packetsIn
        packetsOut = totals.packetsOut
        bytesIn = totals.bytesIn
        bytesOut = totals.bytesOut
        self.days = days
    }

    package var totals: EdgeTotals {
        EdgeTotals(firstSeen: firstSeen, lastSeen: lastSeen, flowCount: flowCount, connections: connections,
                   packetsIn: packetsIn, packetsOut: packetsOut, bytesIn: bytesIn, bytesOut: bytesOut)
    }
}

/// The fold's monoid: min first seen, max last seen, sums. Merges commute.
/// Public only so that `add` can be `@inlinable` (the fold adds counters once per item).
public struct EdgeTotals: Equatable, Sendable {
    package var firstSeen: Int64 = .max
    package var lastSeen: Int64 = .min
    package var flowCount: Int64 = 0
    package var connections: Int64 = 0
    package var packetsIn: Int64 = 0
    package var packetsOut: Int64 = 0
    package var bytesIn: Int64 = 0
    package var bytesOut: Int64 = 0

    package init() {}

    package init(firstSeen: Int64, lastSeen: Int64, flowCount: Int64, connections: Int64,
                 packetsIn: Int64, packetsOut: Int64, bytesIn: Int64, bytesOut: Int64) {
        self.firstSeen = firstSeen
        self.lastSeen = lastSeen
        self.flowCount = flowCount
        self.connections = connections
        self.packetsIn = packetsIn
        self.packetsOut = packetsOut
        self.bytesIn = bytesIn
        self.bytesOut = bytesOut
    }

    package mutating func merge(_ other: EdgeTotals) {
        firstSeen = min(firstSeen, other.firstSeen)
        lastSeen = max(lastSeen, other.lastSeen)
        flowCount = Self.add(flowCount, other.flowCount)
        connections = Self.add(connections, other.connections)
        packetsIn = Self.add(packetsIn, other.packetsIn)
        packetsOut = Self.add(packetsOut, other.packetsOut)
        bytesIn = Self.add(bytesIn, other.bytesIn)
        bytesOut = Self.add(bytesOut, other.bytesOut)
    }

    /// Addition that stops at `Int64.max` instead of trapping. On non-negative values it is
    /// still commutative and associative, so the fold stays the same whatever the order.
    @inlinable @inline(__always)
    public static func add(_ a: Int64, _ b: Int64) -> Int64 {
        let (sum, overflow) = a.addingReportingOverflow(b)
        return overflow ? .max : sum
    }
}
