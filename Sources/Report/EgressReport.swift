import TrailFormat

/// The Wave-1 egress report: per source namespace, what it reaches and how far to trust the
/// lists. Built from `edge_wide`, where each flow may be reported by both ends: per
/// destination, the reporter that saw more is counted, never both.
package struct EgressReport: Sendable, Equatable, Encodable {
    /// One destination reached on one port.
    package struct Destination: Sendable, Equatable, Encodable {
        /// A namespace, `pub` / `pvt` (the internet and private networks), a network set or a host.
        package var name: String
        package var kind: DestinationKind
        package var port: Int64
        package var proto: String
        package var flows: Int64
        package var days: Int
        package var firstSeen: Int64
        package var lastSeen: Int64
        /// What decided the flows, per side: "egress: CalicoNetworkPolicy shop/allow-api rule 0
        /// (tier default): allow (12 flows)", or the profile's default allow when no policy
        /// selects the source.
        package var decidedBy: [String] = []
        /// Seen in one 15-second bucket only: a weekly or monthly job may not have run yet.
        package var seenOnce: Bool { flows == 1 }

        enum CodingKeys: String, CodingKey {
            case name, kind, port, flows, days
            case decidedBy = "decided_by"
            case proto = "protocol"
            case firstSeen = "first_seen"
            case lastSeen = "last_seen"
            case seenOnce = "seen_once"
        }

        package func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(name, forKey: .name)
            try container.encode(kind.text, forKey: .kind)
            try container.encode(port, forKey: .port)
            try container.encode(proto, forKey: .proto)
            try container.encode(flows, forKey: .flows)
            try container.encode(days, forKey: .days)
            try container.encode(UTCTime.rfc3339(firstSeen), forKey: .firstSeen)
            try container.encode(UTCTime.rfc3339(lastSeen), forKey: .lastSeen)
            try container.encode(seenOnce, forKey: .seenOnce)
            try container.encode(decidedBy, forKey: .decidedBy)
        }
    }

    /// What one namespace sends out.
    package struct Namespace: Sendable, Equatable, Encodable {
        package var name: String
        /// In-cluster namespaces reached with `allow`, the namespace itself included (a
        /// default-deny egress policy blocks traffic inside the namespace too).
        package var inCluster: [Destination]
        /// `pub` and `pvt` networks and network sets reached with `allow`, by port.
        package var internet: [Destination]
        /// Host endpoints (nodes) reached with `allow`.
        package var hosts: [Destination]
        /// Denied destinations: policy is already dropping these; investigate before tightening.
        package var denied: [Destination]
        /// kube-dns on 53, UDP and TCP: allowed in every candidate policy, observed or not.
        package var dnsObserved: [String]
        package var firstSeen: Int64
        package var lastSeen: Int64
        /// Distinct UTC days with any egress from this namespace.
        package var daysObserved: Int
        package var seenOnce: Int

        enum CodingKeys: String, CodingKey {
            case name, internet, hosts, denied
            case inCluster = "in_cluster"
            case dnsObserved = "dns_observed"
            case firstSeen = "first_seen"
            case lastSeen = "last_seen"
            case daysObserved = "days_observed"
            case seenOnce = "seen_once"
        }

        package func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(name, forKey: .name)
            try container.encode(inCluster, forKey: .inCluster)
            try container.encode(internet, forKey: .internet)
            try container.encode(hosts, forKey: .hosts)
            try container.encode(denied, forKey: .denied)
            try container.encode(dnsObserved, forKey: .dnsObserved)
            try container.encode(UTCTime.rfc3339(firstSeen), forKey: .firstSeen)
            try container.encode(UTCTime.rfc3339(lastSeen), forKey: .lastSeen)
            try container.encode(daysObserved, forKey: .daysObserved)
            try container.encode(seenOnce, forKey: .seenOnce)
        }
    }

    package var namespaces: [Namespace]
    /// Staged policies that would change the verdict of flows from these namespaces.
    package var staged: [StagedPolicyImpact]
    /// The span of the data the report read, and its coverage.
    package var coverage: WindowCoverage
    /// Days of data to collect before a list counts as complete (the runbook's caveat).
    package static let daysToTrust = 7

    enum CodingKeys: String, CodingKey { case namespaces, staged, coverage, daysToTrust = "days_to_trust" }

    package func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(namespaces, forKey: .namespaces)
        try container.encode(staged, forKey: .staged)
        try container.encode(coverage, forKey: .coverage)
        try container.encode(Self.daysToTrust, forKey: .daysToTrust)
    }

    /// kube-dns: the universal baseline.
    static let dnsNamespace = "kube-system"
    static let dnsPort: Int64 = 53

    package static func build(store: ReportStore, namespace: String?) throws(ReportError) -> EgressReport {
        let rows = try store.egressRows(namespace: namespace)
        let start = rows.map(\.firstSeen).min() ?? 0
        let end = rows.map(\.lastSeen).max() ?? 0
        let coverage = WindowCoverage(start: start, end: end, clusters: try store.clusters(),
                                ranges: end > start ? try store.coverage(from: start, to: end) : [])
        let hasProjection = rows.isEmpty ? false : try store.hasPolicyProjection()
        let observations = hasProjection ? try store.policyObservations(from: start, to: end + 1, pending: true, sourceNamespace: namespace) : []
        return EgressReport(rows: rows, coverage: coverage, observations: observations)
    }

    package init(rows: [WideEdgeRow], coverage: WindowCoverage, observations: [PolicyObservation] = []) {
        self.coverage = coverage
        let bySource = Dictionary(grouping: rows, by: \.srcNs)
        let bySourceObserved = Dictionary(grouping: observations, by: \.identity.srcNs)
        namespaces = bySource.keys.sorted().map {
            Self.namespace($0, bySource[$0] ?? [], attribution: EgressAttribution(bySourceObserved[$0] ?? []))
        }
        staged = StagedPolicyImpact.build(observations.filter { $0.identity.srcNs != "-" })
    }

    static func namespace(_ name: String, _ rows: [WideEdgeRow], attribution: EgressAttribution) -> Namespace {
        struct Key: Hashable { var kind: DestinationKind; var name: String; var port: Int64; var proto: String; var action: FlowAction }
        func key(_ row: WideEdgeRow) -> Key {
            Key(kind: DestinationKind(row.dstType), name: row.dstType == .workload ? row.dstNs : row.dstIdentity, port: row.dstPort,
                proto: row.proto, action: row.action)
        }
        var destinations: [Key: Destination] = [:]
        for (key, group) in Dictionary(grouping: rows, by: key) {
            // Per reporter totals; the larger is the flow count (a flow seen from both ends counts once).
            let byReporter = Dictionary(grouping: group, by: \.reporter).mapValues { $0.reduce(0) { $0 + $1.flowCount } }
            let days = Set(group.flatMap(\.days))
            destinations[key] = Destination(
                name: key.name, kind: key.kind, port: key.port, proto: key.proto, flows: byReporter.values.max() ?? 0, days: days.count,
                firstSeen: group.map(\.firstSeen).min() ?? 0, lastSeen: group.map(\.lastSeen).max() ?? 0,
                decidedBy: attribution.decidedBy(EgressAttribution.Key(kind: key.kind, name: key.name, port: key.port, proto: key.proto, action: key.action)))
        }
        func list(_ include: (Key) -> Bool) -> [Destination] {
            destinations.filter { include($0.key) }.map(\.value).sorted {
                ($0.name, $0.port, $0.proto, $0.kind.text) < ($1.name, $1.port, $1.proto, $1.kind.text)
            }
        }
        let dns = list { $0.action == .allow && $0.kind == .namespace && $0.name == dnsNamespace && $0.port == dnsPort }
        let all = Array(destinations.values)
        return Namespace(
            name: name,
            inCluster: list { $0.action == .allow && $0.kind == .namespace && !($0.name == dnsNamespace && $0.port == dnsPort) },
            internet: list { $0.action == .allow && $0.kind.isOutsideWorkloads },
            hosts: list { $0.action == .allow && $0.kind != .namespace && !$0.kind.isOutsideWorkloads },
            denied: list { $0.action != .allow },
            dnsObserved: Set(dns.map { $0.proto.uppercased() }).sorted(),
            firstSeen: all.map(\.firstSeen).min() ?? 0,
            lastSeen: all.map(\.lastSeen).max() ?? 0,
            daysObserved: Set(rows.flatMap(\.days)).count,
            seenOnce: all.filter(\.seenOnce).count)
    }
}
