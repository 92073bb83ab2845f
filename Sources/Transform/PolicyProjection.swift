import TrailFormat

/// The policy projection, built alongside the edge projections by the same fold: one row per
/// observed flow identity (ends with their labels, port, protocol, reporter, verdict, and the
/// deciding hits of the enforced and pending traces) and UTC day. Memory grows with distinct
/// identities, traces and label sets (4 bytes and 8 per distinct FlowKey), never with items:
/// an identity is three ids (its ends, its decisions, its labels), made text only for the rows.
final class PolicyProjection {
    /// An identity as ids into the tables below.
    struct IdentityKey: Hashable {
        var endpoints: Int32
        var decisions: Int32
        var labels: Int32
    }

    /// Everything of an identity that its wide row also knows.
    struct Endpoints {
        var srcType: EndpointType
        var srcNs, srcWorkload: String
        var dstType: EndpointType
        var dstNs, dstWorkload: String
        var dstPort: Int64
        var proto: String
        var reporter: Reporter
        var action: FlowAction

        init(_ wideKey: WideEdgeKey) {
            srcType = wideKey.srcType
            srcNs = wideKey.srcNs
            srcWorkload = wideKey.srcWorkload
            dstType = wideKey.dstType
            dstNs = wideKey.dstNs
            dstWorkload = wideKey.dstWorkload
            dstPort = wideKey.dstPort
            proto = wideKey.proto
            reporter = wideKey.reporter
            action = wideKey.action
        }

        /// The ends' bytes (`WideKeyEncoding`): ends are one when their bytes are.
        func encode(into bytes: inout [UInt8]) {
            WideKeyEncoding.encode([
                .code(WideKeyEncoding.code(srcType)), .string(srcNs), .string(srcWorkload),
                .code(WideKeyEncoding.code(dstType)), .string(dstNs), .string(dstWorkload),
                .port(dstPort), .string(proto), .code(WideKeyEncoding.code(reporter)), .code(WideKeyEncoding.code(action)),
            ], into: &bytes)
        }
    }

    struct DecisionPair: Hashable {
        var enforced: PolicyDecision
        var pending: PolicyDecision
    }

    struct LabelPair: Hashable {
        var source: [String]
        var destination: [String]
    }

    // Traces: raw bytes (field 15 of the FlowKey) -> the decisions they come to.
    private var traces = ByteStringTable(capacity: 1 << 10)
    @exclusivity(unchecked) private var traceDecisions: [Int32] = []
    private var decisionPairs = Interner<DecisionPair>()
    /// Per FlowKey (by the fold's key id): its decisions.
    @exclusivity(unchecked) private var keyDecisions: [Int32] = []

    // Labels: raw bytes (the label fields as sent) -> the sorted label sets they hold.
    private var labelSets = ByteStringTable(capacity: 1 << 10)
    /// Per raw label set (by its id in `labelSets` plus one; 0: an item without labels), its label set.
    @exclusivity(unchecked) private var rawLabels: [Int32] = [0]
    /// Label sets; id 0 is none.
    private var labelPairs = Interner(first: LabelPair(source: [], destination: []))
    /// Scratch bytes for label fields that other fields split (never from Goldmane's encoder).
    @exclusivity(unchecked) private var scratch: [UInt8] = []

    // Ends: per wide row of the fold, the ends it has (computed once per wide row), interned by
    // their bytes; each kept as the first wide row that had them (its key gives their text).
    private let wideKeys: WideKeyTable
    @exclusivity(unchecked) private var wideEndpoints: [Int32] = []
    private var endpoints = ByteStringTable(capacity: 1 << 12)
    @exclusivity(unchecked) private var endpointsWide: [Int32] = []
    @exclusivity(unchecked) private var endpointsScratch: [UInt8] = []

    /// `wideKeys`: the fold's wide rows, whose keys give the ends' text.
    init(wideKeys: WideKeyTable) {
        self.wideKeys = wideKeys
    }

    private(set) var identities = Interner<IdentityKey>()

    // Rows: one per identity, cluster and day.
    private var rowKeys = Interner<RowKey>()
    @exclusivity(unchecked) private var rowTotals: [EdgeTotals] = []
    /// Per identity, the row it last counted into (rows of one day arrive together).
    @exclusivity(unchecked) private var identityLastRow: [Int32?] = []

    /// The items are all in: what only folding needs (per key and per raw bytes) goes, before
    /// the rows are made, so that memory peaks with the fold's tables or the rows, not both.
    func releaseItemTables() {
        traces = ByteStringTable(capacity: 16)
        traceDecisions = []
        keyDecisions = []
        labelSets = ByteStringTable(capacity: 16)
        rawLabels = [0]
        scratch = []
        identityLastRow = []
        endpoints = ByteStringTable(capacity: 16)
        wideEndpoints = []
        endpointsScratch = []
    }

    /// Registers the FlowKey of key id `id` (ids arrive in order 0, 1, 2...): its trace.
    func register(_ id: Int32, record: UnsafeRawBufferPointer, keyRange: Range<Int>) {
        guard let trace = PolicyTraceReader.traceRange(record, key: keyRange) else {
            keyDecisions.append(decisionPairs.id(of: DecisionPair(enforced: .malformed, pending: .malformed)).id)
            return
        }
        let (raw, isNew) = traces.id(of: UnsafeRawBufferPointer(rebasing: record[trace]))
        if isNew {
            let (enforced, pending) = PolicyTraceReader.decisions(record, trace: trace)
            traceDecisions.append(decisionPairs.id(of: DecisionPair(enforced: enforced, pending: pending)).id)
        }
        keyDecisions.append(traceDecisions[Int(raw)])
    }

    /// The identity of one item of key id `id`, whose raw label set is `raw` (`rawLabelSet`)
    /// and wide row `wide`. Equal key ids and raw label sets give equal identities (the fold
    /// keeps each key's last one): the wide row depends on nothing else, and the ends taken
    /// from it leave out what labels refine (identity, service).
    @inline(__always)
    func identity(_ id: Int32, rawLabels raw: Int32, wide: Int32, wideKey: @autoclosure () -> WideEdgeKey) -> Int32 {
        let key = IdentityKey(endpoints: endpointsID(wide: wide, key: wideKey()), decisions: keyDecisions[Int(id)],
                              labels: rawLabels[Int(raw)])
        let (index, isNew) = identities.id(of: key)
        if isNew { identityLastRow.append(nil) }
        return index
    }

    /// Of two identities one item could have (a copy of it with other labels), the one the
    /// fold keeps: the same whichever came first.
    func preferred(_ a: Int32, _ b: Int32) -> Int32 {
        a == b ? a : (PolicyFlowIdentity.keeps(identity(at: a), over: identity(at: b)) ? a : b)
    }

    /// The key of a row: an identity in one cluster's UTC day.
    struct RowKey: Hashable {
        var identity: Int32
        var cluster: Int32
        var day: Int32
    }

    /// Counts one distinct item of `identity` in `cluster`'s UTC `day`.
    @inline(__always)
    func add(_ identity: Int32, cluster: Int32, day: Int32, start: Int64, end: Int64, connections: Int64) {
        let row: Int32
        if let last = identityLastRow[Int(identity)], rowKeys[last].day == day, rowKeys[last].cluster == cluster {
            row = last
        } else {
            let isNew: Bool
            (row, isNew) = rowKeys.id(of: RowKey(identity: identity, cluster: cluster, day: day))
            if isNew { rowTotals.append(EdgeTotals()) }
            identityLastRow[Int(identity)] = row
        }
        rowTotals[Int(row)].firstSeen = min(rowTotals[Int(row)].firstSeen, start)
        rowTotals[Int(row)].lastSeen = max(rowTotals[Int(row)].lastSeen, end)
        rowTotals[Int(row)].flowCount = EdgeTotals.add(rowTotals[Int(row)].flowCount, 1)
        rowTotals[Int(row)].connections = EdgeTotals.add(rowTotals[Int(row)].connections, connections)
    }

    /// The rows, sorted by cluster (`clusterNames`, byte-wise), day, then identity (byte-wise UTF-8).
    func rows(clusterNames: [String]) -> [PolicyFlowRow] {
        let clusterRank = Self.ranks(of: clusterNames)
        let texts = identities.values.indices.map { identity(at: Int32($0)) }
        // The sort keys once per identity, not once per comparison.
        var sortKeys = SortKeys(capacity: texts.count, bytesPerKey: 256)
        for text in texts { text.appendSortKey(to: &sortKeys) }
        let order = sortKeys.ascendingOrder()
        var rank = [Int](repeating: 0, count: texts.count)
        for (position, index) in order.enumerated() { rank[index] = position }
        let keys = rowKeys.values
        let rowOrder = keys.indices.sorted {
            let (a, b) = (clusterRank[Int(keys[$0].cluster)], clusterRank[Int(keys[$1].cluster)])
            if a != b { return a < b }
            return keys[$0].day != keys[$1].day ? keys[$0].day < keys[$1].day : rank[Int(keys[$0].identity)] < rank[Int(keys[$1].identity)]
        }
        // Rows of one day follow one another: its text is made once per run of them.
        var dayNumber: Int32? = nil
        var dayText = ""
        return rowOrder.map { row in
            let totals = rowTotals[row]
            let key = keys[row]
            if dayNumber != key.day {
                dayNumber = key.day
                dayText = UTCTime.date(day: Int64(key.day))
            }
            return PolicyFlowRow(cluster: clusterNames[Int(key.cluster)], day: dayText, identity: texts[Int(key.identity)],
                                 firstSeen: totals.firstSeen, lastSeen: totals.lastSeen, flowCount: totals.flowCount,
                                 connections: totals.connections)
        }
    }

    /// Each name's position in byte-wise UTF-8 order.
    static func ranks(of names: [String]) -> [Int] {
        var rank = [Int](repeating: 0, count: names.count)
        for (position, index) in names.indices.sorted(by: { UTF8Order.precedes([names[$0]], [names[$1]]) }).enumerated() {
            rank[index] = position
        }
        return rank
    }

    /// An identity as text.
    func identity(at index: Int32) -> PolicyFlowIdentity {
        let key = identities[index]
        let ends = Endpoints(wideKeys[endpointsWide[Int(key.endpoints)]])
        let decisions = decisionPairs[key.decisions]
        let labels = labelPairs[key.labels]
        return PolicyFlowIdentity(
            srcType: ends.srcType, srcNs: ends.srcNs, srcWorkload: ends.srcWorkload, srcLabels: labels.source,
            dstType: ends.dstType, dstNs: ends.dstNs, dstWorkload: ends.dstWorkload, dstLabels: labels.destination,
            dstPort: ends.dstPort, proto: ends.proto, reporter: ends.reporter, action: ends.action,
            enforced: decisions.enforced, pending: decisions.pending)
    }

    /// The ends of wide row `wide` (its identity and service are not the policy row's).
    @inline(__always)
    private func endpointsID(wide: Int32, key: @autoclosure () -> WideEdgeKey) -> Int32 {
        while wideEndpoints.count <= Int(wide) { wideEndpoints.append(-1) }
        let known = wideEndpoints[Int(wide)]
        if known >= 0 { return known }
        Endpoints(key()).encode(into: &endpointsScratch)
        let (index, isNew) = endpointsScratch.withUnsafeBytes { endpoints.id(of: $0) }
        if isNew { endpointsWide.append(wide) }
        wideEndpoints[Int(wide)] = index
        return index
    }

    /// The raw id of the item's label fields (0: none, else their id in `labelSets` plus one), interned as sent: the reader found
    /// them in one run of bytes; split by other fields, they are gathered first.
    @inline(__always)
    func rawLabelSet(_ record: UnsafeRawBufferPointer, view: FlowRecordView) -> Int32 {
        if view.labelsRange.isEmpty { return 0 }
        let raw: Int32
        let isNew: Bool
        if !view.labelsSplit {
            (raw, isNew) = labelSets.id(of: UnsafeRawBufferPointer(rebasing: record[view.labelsRange]))
        } else {
            scratch.removeAll(keepingCapacity: true)
            var scanner = ProtoWire.Scanner(record, in: view.flowRange)
            while let field = scanner.next() {
                guard case .lengthDelimited = field.wireType, field.number == 4 || field.number == 5 else { continue }
                // Re-encoded as the field it was: tag, length, bytes.
                scratch.append(UInt8(field.number << 3 | 2))
                var length = UInt64(field.payload.count)
                while length >= 0x80 {
                    scratch.append(UInt8(truncatingIfNeeded: length) | 0x80)
                    length >>= 7
                }
                scratch.append(UInt8(length))
                scratch.append(contentsOf: UnsafeRawBufferPointer(rebasing: record[field.payload]))
            }
            (raw, isNew) = scratch.withUnsafeBytes { labelSets.id(of: $0) }
        }
        if isNew {
            let bytes = !view.labelsSplit ? UnsafeRawBufferPointer(rebasing: record[view.labelsRange]) : nil
            let pair = bytes.map(Self.decode) ?? scratch.withUnsafeBytes(Self.decode)
            rawLabels.append(labelPairs.id(of: pair).id)
        }
        return raw + 1
    }

    /// The label fields' texts, each list sorted (byte-wise) and without repeats.
    private static func decode(_ bytes: UnsafeRawBufferPointer) -> LabelPair {
        var source: Set<String> = []
        var destination: Set<String> = []
        var scanner = ProtoWire.Scanner(bytes, in: 0..<bytes.count)
        while let field = scanner.next() {
            guard case .lengthDelimited = field.wireType, field.number == 4 || field.number == 5 else { continue }
            let text = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[field.payload]), as: UTF8.self)
            if field.number == 4 { source.insert(text) } else { destination.insert(text) }
        }
        let sorted = { (set: Set<String>) in set.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) } }
        return LabelPair(source: sorted(source), destination: sorted(destination))
    }
}
