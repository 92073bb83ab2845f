import Policy
import TrailFormat

/// `policy-check`: Kubernetes NetworkPolicies evaluated against every distinct flow observed
/// as allowed in a window. A distinct flow is its ends (with their labels), port and protocol;
/// it was observed as allowed when every end that reported it reported an allow. Results are
/// listed per workload pair, port and protocol (label sets that differ, as after a rollout,
/// are one line).
package struct PolicyCheck: Sendable, Encodable {
    /// One line of the result: a workload pair on a port.
    package struct Flow: Sendable, Equatable, Encodable {
        package var source: String
        package var destination: String
        package var port: Int64
        package var proto: String
        /// Flows (15-second items) in the window; a flow seen by both ends counts once.
        package var flows: Int64
        package var days: Int
        package var lastSeen: Int64

        enum CodingKeys: String, CodingKey {
            case source, destination, port, flows, days
            case proto = "protocol"
            case lastSeen = "last_seen"
        }

        package func encode(to encoder: any Encoder) throws {
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

    /// A flow the policies would block: the isolation that blocks it, and what decides it today.
    package struct Blocked: Sendable, Equatable, Encodable {
        package var flow: Flow
        /// "egress of namespace x, isolated by x/default-deny".
        package var isolatedBy: [String]
        /// The enforced decisions observed ("egress: CalicoNetworkPolicy x/allow-api rule 0
        /// (tier default): allow"): a Calico policy in the same tier keeps allowing it in Calico.
        package var decidedToday: [String]
        enum CodingKeys: String, CodingKey { case flow, isolatedBy = "isolated_by", decidedToday = "decided_today" }
    }

    /// A flow the policies would isolate, but a Calico tier evaluated before theirs decided it.
    package struct DecidedAbove: Sendable, Equatable, Encodable {
        package var flow: Flow
        package var isolatedBy: [String]
        package var decidedBy: [String]
        enum CodingKeys: String, CodingKey { case flow, isolatedBy = "isolated_by", decidedBy = "decided_by" }
    }

    package struct Undecidable: Sendable, Equatable, Encodable {
        package var flow: Flow
        package var reasons: [String]
    }

    package struct UnusedRule: Sendable, Equatable, Encodable {
        package var rule: String
        package var origin: String
    }

    /// The window, rounded out to whole UTC days (the projection counts per day).
    package var from: Int64
    package var to: Int64
    package var policies: Int
    /// Distinct flows (label sets counted apart) observed as allowed and evaluated.
    package var evaluated: Int
    package var allowed: Int
    package var blocked: [Blocked]
    package var decidedAbove: [DecidedAbove]
    package var undecidable: [Undecidable]
    package var unusedRules: [UnusedRule]
    /// Distinct flows (label sets apart) per outcome; the lists merge them per workload pair.
    package struct Counts: Sendable, Equatable, Encodable {
        package var blocked = 0
        package var decidedAbove = 0
        package var undecidable = 0
        enum CodingKeys: String, CodingKey { case blocked, undecidable, decidedAbove = "decided_above" }
    }

    package var counts = Counts()
    /// Evaluated in Calico's tier order (a set with Calico's kinds): `blocked` lines then hold
    /// the hit that would decide, `decided_above` is not used.
    package var calicoOrder = false
    /// The IP families `pub` and `pvt` are taken to span.
    package var ipFamilies: String
    /// The Calico tiers taken to come after `default`.
    package var tiersAfterDefault: [String]
    package var coverage: WindowCoverage?

    /// True when some observed flow would be blocked (`policy-check` exits 3).
    package var wouldBlock: Bool { !blocked.isEmpty }

    enum CodingKeys: String, CodingKey {
        case from, to, policies, evaluated, allowed, blocked, undecidable, coverage, counts
        case decidedAbove = "decided_above"
        case unusedRules = "unused_rules"
        case ipFamilies = "ip_families"
        case tiersAfterDefault = "tiers_after_default"
        case calicoOrder = "calico_order"
    }

    package func encode(to encoder: any Encoder) throws {
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
        try container.encode(counts, forKey: .counts)
        try container.encode(ipFamilies, forKey: .ipFamilies)
        try container.encode(tiersAfterDefault, forKey: .tiersAfterDefault)
        try container.encode(calicoOrder, forKey: .calicoOrder)
        try container.encodeIfPresent(coverage, forKey: .coverage)
    }

    /// What the check assumes of the cluster: the IP families of pub and pvt, and the Calico
    /// tiers evaluated after `default` (every other tier is taken to come before it).
    package struct Assumptions: Sendable {
        package var families: IPFamilies
        package var tiersAfterDefault: Set<String>
        package init(families: IPFamilies = .ipv4, tiersAfterDefault: Set<String> = PolicyDecision.tiersAfterDefault) {
            self.families = families
            self.tiersAfterDefault = tiersAfterDefault
        }
    }

    /// The window rounded out to whole UTC days.
    package static func days(from: Int64, to: Int64) -> (from: Int64, to: Int64) {
        let start = UTCTime.floorDivide(from, 86_400) * 86_400
        let ceiling = to.addingReportingOverflow(86_399)
        let end = ceiling.overflow ? to : UTCTime.floorDivide(ceiling.partialValue, 86_400) * 86_400
        let oneDay = start.addingReportingOverflow(86_400)
        return (start, oneDay.overflow ? end : max(end, oneDay.partialValue))
    }

    /// Reads the window's observations and checks them. Refuses, rather than passing, a
    /// database whose policy projection was never filled (65: replay) or a window with no
    /// flow observed as allowed (66).
    package static func run(policies: [NetworkPolicy], namespaces: NamespaceLabels, store: ReportStore,
                            from: Int64, to: Int64, assumptions: Assumptions = Assumptions(), ports: NamedPorts = NamedPorts()) throws(ReportError) -> PolicyCheck {
        try run(store: store, from: from, to: to) { observations, start, end in
            PolicyCheck(policies: policies, namespaces: namespaces, observations: observations, from: start, to: end, assumptions: assumptions, ports: ports)
        }
    }

    /// The same for a set with Calico's kinds (`init(set:...)`).
    package static func run(set: PolicySet, namespaces: NamespaceLabels, store: ReportStore, from: Int64, to: Int64,
                            assumptions: Assumptions = Assumptions(), ports: NamedPorts = NamedPorts()) throws(ReportError) -> PolicyCheck {
        try run(store: store, from: from, to: to) { observations, start, end in
            PolicyCheck(set: set, namespaces: namespaces, observations: observations, from: start, to: end, assumptions: assumptions, ports: ports)
        }
    }

    /// The window's observations, refused when the projection was never filled (65).
    package static func observations(store: ReportStore, from: Int64, to: Int64, pending: Bool = false) throws(ReportError)
        -> (observations: [PolicyObservation], start: Int64, end: Int64)
    {
        let (start, end) = days(from: from, to: to)
        let count = try store.segmentsOlder(thanTransformVersion: TransformVersion.policyProjection, from: start, to: end)
        if count > 0 {
            throw ReportError(.needsReplay, "\(count) loaded segment\(count == 1 ? "" : "s") of the window were folded by transform version 1, before the policy projection: run `goldmane-trail replay --archive …` to fill policy_flow from the archive, then check again")
        }
        return (try store.policyObservations(from: start, to: end, pending: pending), start, end)
    }

    private static func run(store: ReportStore, from: Int64, to: Int64,
                            make: ([PolicyObservation], Int64, Int64) -> PolicyCheck) throws(ReportError) -> PolicyCheck {
        let (observations, start, end) = try observations(store: store, from: from, to: to)
        var check = make(observations, start, end)
        check.coverage = WindowCoverage(start: start, end: end, clusters: try store.clusters(), ranges: try store.coverage(from: start, to: end))
        guard check.evaluated > 0 else {
            throw ReportError(.noData, "no flow observed as allowed from \(UTCTime.rfc3339(start)) to \(UTCTime.rfc3339(end)) in policy_flow: a check over no data proves nothing (is the etl running? is the window right?)")
        }
        return check
    }

    package init(policies: [NetworkPolicy], namespaces: NamespaceLabels, observations: [PolicyObservation], from: Int64, to: Int64,
                 assumptions: Assumptions = Assumptions(), ports: NamedPorts = NamedPorts()) {
        let evaluator = PolicyEvaluator(policies: policies, namespaces: namespaces, families: assumptions.families, ports: ports)
        self.from = from
        self.to = to
        self.policies = policies.count
        ipFamilies = assumptions.families.description
        tiersAfterDefault = assumptions.tiersAfterDefault.sorted()
        var blocked: [ResultLine] = []
        var above: [ResultLine] = []
        var undecidable: [ResultLine] = []
        var allowed = 0
        let flows = ObservedFlow.group(observations)
        for observed in flows {
            var isolations: [Isolation] = []
            var aboveIsolations: [Isolation] = []
            var decisions: [String] = []
            var reasons: [String] = []
            for (direction, outcome) in evaluator.outcomes(observed.policyFlow) {
                switch outcome {
                case .notIsolated, .admitted: break
                case .unknown(let why): reasons += why
                case .isolated(let isolation):
                    // A direction a tier above Kubernetes' decided is not the policies' to change.
                    let decidedAbove = observed.decidedAbove(direction, tiersAfterDefault: assumptions.tiersAfterDefault)
                    if decidedAbove.isEmpty {
                        isolations.append(isolation)
                    } else {
                        aboveIsolations.append(isolation)
                        decisions += decidedAbove
                    }
                }
            }
            if !isolations.isEmpty {
                blocked.append(ResultLine(observed, notes: isolations.map(Self.describe) + observed.selfNote(calico: false),
                                          extra: observed.enforcedDecisions))
            } else if !reasons.isEmpty {
                undecidable.append(ResultLine(observed, notes: reasons))
            } else if !aboveIsolations.isEmpty {
                above.append(ResultLine(observed, notes: decisions, extra: aboveIsolations.map(Self.describe)))
            } else {
                allowed += 1
            }
        }
        evaluated = flows.count
        self.allowed = allowed
        counts = Counts(blocked: blocked.count, decidedAbove: above.count, undecidable: undecidable.count)
        self.blocked = ResultLine.merge(blocked).map { Blocked(flow: $0.flow, isolatedBy: $0.notes, decidedToday: $0.extra) }
        decidedAbove = ResultLine.merge(above).map { DecidedAbove(flow: $0.flow, isolatedBy: $0.extra, decidedBy: $0.notes) }
        self.undecidable = ResultLine.merge(undecidable).map { Undecidable(flow: $0.flow, reasons: $0.notes) }
        let origins = Dictionary(policies.map { ($0.id, $0.origin?.description ?? "") }, uniquingKeysWith: { first, _ in first })
        unusedRules = evaluator.unusedRules.map { UnusedRule(rule: $0.description, origin: origins[$0.policy] ?? "") }
    }

    /// A mixed set of Calico's and Kubernetes' policies, evaluated in Calico's tier order
    /// (`TieredEvaluator`), staged policies in place of the enforced ones: per flow, the
    /// direction whose deciding hit would deny it (`isolated_by`: that hit) beside what decides
    /// it today (`decided_today`, from Goldmane's recorded trace).
    package init(set: PolicySet, namespaces: NamespaceLabels, observations: [PolicyObservation], from: Int64, to: Int64,
                 assumptions: Assumptions = Assumptions(), ports: NamedPorts = NamedPorts()) {
        let evaluator = TieredEvaluator(policies: TieredEvaluator.enforcing(staged: set.tiered), tiers: set.tiers, namespaces: namespaces,
                                        families: assumptions.families, ports: ports, networkSets: set.networkSets)
        self.from = from
        self.to = to
        policies = set.kubernetes.count + set.calico.count
        ipFamilies = assumptions.families.description
        tiersAfterDefault = []
        calicoOrder = true
        var blocked: [ResultLine] = []
        var undecidable: [ResultLine] = []
        var allowed = 0
        let flows = ObservedFlow.group(observations)
        for observed in flows {
            var denials: [String] = []
            var reasons: [String] = []
            for (direction, outcome) in evaluator.outcomes(observed.policyFlow) {
                switch outcome {
                case .decided(let hit) where hit.action == .deny: denials.append("\(direction.rawValue): \(hit.summary)")
                case .decided: break
                case .undecidable(let why): reasons += why
                }
            }
            if !denials.isEmpty {
                blocked.append(ResultLine(observed, notes: denials + observed.selfNote(calico: true), extra: observed.enforcedDecisions))
            } else if !reasons.isEmpty {
                undecidable.append(ResultLine(observed, notes: reasons))
            } else {
                allowed += 1
            }
        }
        evaluated = flows.count
        self.allowed = allowed
        counts = Counts(blocked: blocked.count, decidedAbove: 0, undecidable: undecidable.count)
        self.blocked = ResultLine.merge(blocked).map { Blocked(flow: $0.flow, isolatedBy: $0.notes, decidedToday: $0.extra) }
        decidedAbove = []
        self.undecidable = ResultLine.merge(undecidable).map { Undecidable(flow: $0.flow, reasons: $0.notes) }
        unusedRules = []
    }

    static func describe(_ isolation: Isolation) -> String {
        "\(isolation.direction.rawValue) of namespace \(isolation.namespace), isolated by \(isolation.policies.joined(separator: ", "))"
    }
}

/// One distinct flow's line before lines of the same workload pair and port are merged.
struct ResultLine {
    var key: [String]
    var flow: PolicyCheck.Flow
    var days: Set<String>
    var notes: [String]
    var extra: [String]

    init(_ observed: ObservedFlow, notes: [String], extra: [String] = []) {
        let summary = observed.summary
        key = [summary.source, summary.destination, String(summary.port), summary.proto]
        flow = summary
        days = observed.allowedDays
        self.notes = notes
        self.extra = extra
    }

    /// Lines of the same workload pair, port and protocol as one: flows summed, days united,
    /// notes united (sorted); sorted by source, destination, port, protocol.
    static func merge(_ lines: [ResultLine]) -> [ResultLine] {
        var merged: [[String]: ResultLine] = [:]
        for line in lines {
            guard var existing = merged[line.key] else {
                merged[line.key] = line
                continue
            }
            existing.flow.flows = EdgeTotals.add(existing.flow.flows, line.flow.flows)
            existing.flow.lastSeen = max(existing.flow.lastSeen, line.flow.lastSeen)
            existing.days.formUnion(line.days)
            existing.notes += line.notes
            existing.extra += line.extra
            merged[line.key] = existing
        }
        return merged.values.map { line in
            var line = line
            line.flow.days = line.days.count
            line.notes = Array(Set(line.notes)).sorted()
            line.extra = Array(Set(line.extra)).sorted()
            return line
        }.sorted { ($0.flow.source, $0.flow.destination, $0.flow.port, $0.flow.proto) < ($1.flow.source, $1.flow.destination, $1.flow.port, $1.flow.proto) }
    }
}
