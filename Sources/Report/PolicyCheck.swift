import Policy
import TrailFormat

/// `policy-check`: Kubernetes NetworkPolicies evaluated against every distinct flow observed
/// as allowed in a window. A distinct flow is its ends (with their labels), port and protocol;
/// it was observed as allowed when every end that reported it reported an allow.
public struct PolicyCheck: Sendable, Encodable {
    /// One distinct flow of the window.
    public struct Flow: Sendable, Equatable, Encodable {
        public var source: String
        public var destination: String
        public var port: Int64
        public var proto: String
        /// Flows (15-second items) in the window; a flow seen by both ends counts once.
        public var flows: Int64
        public var days: Int
        public var lastSeen: Int64

        enum CodingKeys: String, CodingKey {
            case source, destination, port, flows, days
            case proto = "protocol"
            case lastSeen = "last_seen"
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(source, forKey: .source)
            try container.encode(destination, forKey: .destination)
            try container.encode(port, forKey: .port)
            try container.encode(proto, forKey: .proto)
            try container.encode(flows, forKey: .flows)
            try container.encode(days, forKey: .days)
            try container.encode(UTCTime.rfc3339(lastSeen), forKey: .lastSeen)
        }
    }

    /// A flow the policies would block, and the isolation that blocks it.
    public struct Blocked: Sendable, Equatable, Encodable {
        public var flow: Flow
        /// "egress of namespace x, isolated by x/default-deny".
        public var isolatedBy: [String]
        enum CodingKeys: String, CodingKey { case flow, isolatedBy = "isolated_by" }
    }

    /// A flow the policies would block but a Calico tier above theirs decided: they cannot change it.
    public struct DecidedAbove: Sendable, Equatable, Encodable {
        public var flow: Flow
        public var isolatedBy: [String]
        public var decidedBy: [String]
        enum CodingKeys: String, CodingKey { case flow, isolatedBy = "isolated_by", decidedBy = "decided_by" }
    }

    public struct Undecidable: Sendable, Equatable, Encodable {
        public var flow: Flow
        public var reasons: [String]
    }

    public struct UnusedRule: Sendable, Equatable, Encodable {
        public var rule: String
        public var origin: String
    }

    public var from: Int64
    public var to: Int64
    public var policies: Int
    public var evaluated: Int
    public var allowed: Int
    public var blocked: [Blocked]
    public var decidedAbove: [DecidedAbove]
    public var undecidable: [Undecidable]
    public var unusedRules: [UnusedRule]

    /// True when some observed flow would be blocked (`policy-check` exits 3).
    public var wouldBlock: Bool { !blocked.isEmpty }

    enum CodingKeys: String, CodingKey {
        case from, to, policies, evaluated, allowed, blocked, undecidable
        case decidedAbove = "decided_above"
        case unusedRules = "unused_rules"
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(UTCTime.rfc3339(from), forKey: .from)
        try container.encode(UTCTime.rfc3339(to), forKey: .to)
        try container.encode(policies, forKey: .policies)
        try container.encode(evaluated, forKey: .evaluated)
        try container.encode(allowed, forKey: .allowed)
        try container.encode(blocked, forKey: .blocked)
        try container.encode(decidedAbove, forKey: .decidedAbove)
        try container.encode(undecidable, forKey: .undecidable)
        try container.encode(unusedRules, forKey: .unusedRules)
    }

    public static func run(policies: [NetworkPolicy], namespaces: NamespaceLabels, store: ReportStore,
                           from: Int64, to: Int64) throws(ReportError) -> PolicyCheck {
        PolicyCheck(policies: policies, namespaces: namespaces, observations: try store.policyObservations(from: from, to: to), from: from, to: to)
    }

    public init(policies: [NetworkPolicy], namespaces: NamespaceLabels, observations: [PolicyObservation], from: Int64, to: Int64) {
        let evaluator = PolicyEvaluator(policies: policies, namespaces: namespaces)
        self.from = from
        self.to = to
        self.policies = policies.count
        var blocked: [Blocked] = []
        var above: [DecidedAbove] = []
        var undecidable: [Undecidable] = []
        var allowed = 0
        let flows = ObservedFlow.group(observations)
        for observed in flows {
            switch evaluator.evaluate(observed.policyFlow) {
            case .allowed:
                allowed += 1
            case .undecidable(let reasons):
                undecidable.append(Undecidable(flow: observed.summary, reasons: reasons))
            case .blocked(let isolations):
                let described = isolations.map(Self.describe)
                // A direction whose observed decision came from a tier above Kubernetes' is not
                // the new policies' to change.
                let remaining = isolations.filter { observed.decidedAbove($0.direction).isEmpty }
                if remaining.isEmpty {
                    let decisions = isolations.flatMap { observed.decidedAbove($0.direction) }
                    above.append(DecidedAbove(flow: observed.summary, isolatedBy: described, decidedBy: Array(Set(decisions)).sorted()))
                } else {
                    blocked.append(Blocked(flow: observed.summary, isolatedBy: remaining.map(Self.describe)))
                }
            }
        }
        evaluated = flows.count
        self.allowed = allowed
        self.blocked = blocked
        decidedAbove = above
        self.undecidable = undecidable
        let origins = Dictionary(policies.map { ($0.id, $0.origin?.description ?? "") }, uniquingKeysWith: { first, _ in first })
        unusedRules = evaluator.unusedRules.map { UnusedRule(rule: $0.description, origin: origins[$0.policy] ?? "") }
    }

    static func describe(_ isolation: Isolation) -> String {
        "\(isolation.direction.rawValue) of namespace \(isolation.namespace), isolated by \(isolation.policies.joined(separator: ", "))"
    }
}

/// The observations of one distinct flow: every reporter's rows.
struct ObservedFlow {
    var rows: [PolicyObservation]

    struct Key: Hashable {
        var srcType, srcNs, srcWorkload: String
        var srcLabels: [String]
        var dstType, dstNs, dstWorkload: String
        var dstLabels: [String]
        var port: Int64
        var proto: String
    }

    /// The distinct flows observed as allowed, sorted by source, destination, port, protocol.
    static func group(_ observations: [PolicyObservation]) -> [ObservedFlow] {
        let grouped = Dictionary(grouping: observations) { observation in
            let id = observation.identity
            return Key(srcType: id.srcType, srcNs: id.srcNs, srcWorkload: id.srcWorkload, srcLabels: id.srcLabels, dstType: id.dstType,
                       dstNs: id.dstNs, dstWorkload: id.dstWorkload, dstLabels: id.dstLabels, port: id.dstPort, proto: id.proto)
        }
        return grouped.values.map { ObservedFlow(rows: $0) }.filter(\.wasAllowed).sorted {
            let (a, b) = ($0.rows[0].identity, $1.rows[0].identity)
            return (a.source, a.destination, a.dstPort, a.proto, a.srcLabels.joined(separator: ","), a.dstLabels.joined(separator: ","))
                < (b.source, b.destination, b.dstPort, b.proto, b.srcLabels.joined(separator: ","), b.dstLabels.joined(separator: ","))
        }
    }

    /// Every reporter that saw the flow saw it allowed at least once.
    var wasAllowed: Bool {
        Dictionary(grouping: rows, by: \.identity.reporter).values.allSatisfy { $0.contains { $0.identity.action == "allow" } }
    }

    private var allowedRows: [PolicyObservation] { rows.filter { $0.identity.action == "allow" } }

    var summary: PolicyCheck.Flow {
        let allowed = allowedRows
        let perReporter = Dictionary(grouping: allowed, by: \.identity.reporter).mapValues { $0.reduce(0) { $0 + $1.flows } }
        let first = rows[0].identity
        return PolicyCheck.Flow(source: first.source, destination: first.destination, port: first.dstPort, proto: first.proto,
                                flows: perReporter.values.max() ?? 0, days: Set(allowed.flatMap(\.days)).count,
                                lastSeen: allowed.map(\.lastSeen).max() ?? 0)
    }

    var policyFlow: PolicyFlow {
        let first = rows[0].identity
        return PolicyFlow(source: Self.endpoint(first.srcType, first.srcNs, first.srcWorkload, first.srcLabels),
                          destination: Self.endpoint(first.dstType, first.dstNs, first.dstWorkload, first.dstLabels),
                          port: Int(clamping: first.dstPort), protocol: first.proto)
    }

    /// The decisions of a tier above Kubernetes' for one direction (egress: as the source
    /// reported it; ingress: as the destination did), when every allowed row of that reporter
    /// was decided there; empty otherwise.
    func decidedAbove(_ direction: PolicyDirection) -> [String] {
        let reporter = direction == .egress ? "src" : "dst"
        let mine = allowedRows.filter { $0.identity.reporter == reporter }
        guard !mine.isEmpty, mine.allSatisfy(\.identity.enforced.isDecidedAboveKubernetes) else { return [] }
        return mine.map(\.identity.enforced.summary)
    }

    static func endpoint(_ type: String, _ namespace: String, _ workload: String, _ labels: [String]) -> FlowEndpoint {
        guard type == "workload" else { return .other(kind: type, name: workload) }
        var map: [String: String] = [:]
        for label in labels {
            if let equals = label.firstIndex(of: "=") {
                map[String(label[..<equals])] = String(label[label.index(after: equals)...])
            } else {
                map[label] = ""
            }
        }
        return .pod(namespace: namespace, labels: map)
    }
}
