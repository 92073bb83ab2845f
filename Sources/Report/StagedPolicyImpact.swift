import TrailFormat

/// What one staged (not yet enforced) Calico policy would change, from the pending traces
/// alone: the flows observed as allowed that it would deny, and those observed as denied
/// that it would allow.
package struct StagedPolicyImpact: Sendable, Equatable, Encodable {
    package struct Flow: Sendable, Equatable, Encodable {
        package var source: String
        package var destination: String
        package var port: Int64
        package var proto: String
        package var flows: Int64

        enum CodingKeys: String, CodingKey { case source, destination, port, flows, proto = "protocol" }
    }

    /// `namespace/name` of the staged policy.
    package var policy: String
    package var kind: String
    package var wouldDeny: [Flow]
    package var wouldAllow: [Flow]

    package var deniedFlows: Int64 { wouldDeny.reduce(0) { $0 + $1.flows } }
    package var allowedFlows: Int64 { wouldAllow.reduce(0) { $0 + $1.flows } }

    enum CodingKeys: String, CodingKey {
        case policy, kind
        case wouldDeny = "would_deny"
        case wouldAllow = "would_allow"
    }

    /// "staged policy crowdsec/default-deny-egress would deny 23 flows observed in the window (1 destination)".
    package var sentence: String {
        var parts: [String] = []
        if !wouldDeny.isEmpty { parts.append("would deny \(deniedFlows) flow\(deniedFlows == 1 ? "" : "s") now allowed (\(wouldDeny.count) distinct)") }
        if !wouldAllow.isEmpty { parts.append("would allow \(allowedFlows) flow\(allowedFlows == 1 ? "" : "s") now denied (\(wouldAllow.count) distinct)") }
        return "staged policy \(policy) " + parts.joined(separator: " and ")
    }

    /// The impacts of every staged policy that decided a pending trace differently from the
    /// enforced verdict, by policy name. `observations` must carry the pending decision.
    package static func build(_ observations: [PolicyObservation]) -> [StagedPolicyImpact] {
        struct Key: Hashable { var policy: String; var kind: String }
        var denied: [Key: [Reported]] = [:]
        var allowed: [Key: [Reported]] = [:]
        for observation in observations {
            let identity = observation.identity
            guard let policy = identity.pending.stagedPolicy, identity.pending.action != identity.action,
                  identity.action.isFinal else { continue }
            let kind = identity.pending.policyKind == .endOfTier ? String(identity.pending.trigger.prefix { $0 != " " }) : identity.pending.kind
            let key = Key(policy: policy, kind: kind)
            let flow = Flow(source: identity.source, destination: identity.destination, port: identity.dstPort, proto: identity.proto, flows: observation.flows)
            let reported = Reported(flow: flow, reporter: identity.reporter)
            if identity.pending.action == .deny { denied[key, default: []].append(reported) } else { allowed[key, default: []].append(reported) }
        }
        return Set(denied.keys).union(allowed.keys).map { key in
            StagedPolicyImpact(policy: key.policy, kind: key.kind, wouldDeny: Self.merge(denied[key] ?? []), wouldAllow: Self.merge(allowed[key] ?? []))
        }.sorted { ($0.policy, $0.kind) < ($1.policy, $1.kind) }
    }

    struct Reported {
        var flow: Flow
        var reporter: Reporter
    }

    /// One line per workload pair and port: rows of one reporter that differ in labels or
    /// enforced decision are summed; a flow both ends report (a staged global policy on both
    /// pods) counts once, as the larger of the two.
    static func merge(_ flows: [Reported]) -> [Flow] {
        struct Key: Hashable { var source, destination: String; var port: Int64; var proto: String }
        var perReporter: [Key: [Reporter: Int64]] = [:]
        var first: [Key: Flow] = [:]
        for item in flows {
            let flow = item.flow
            let key = Key(source: flow.source, destination: flow.destination, port: flow.port, proto: flow.proto)
            perReporter[key, default: [:]][item.reporter, default: 0] = EdgeTotals.add(perReporter[key]?[item.reporter] ?? 0, flow.flows)
            if first[key] == nil { first[key] = flow }
        }
        return first.map { key, flow in
            var merged = flow
            merged.flows = perReporter[key]?.values.max() ?? 0
            return merged
        }.sorted { ($0.source, $0.destination, $0.port, $0.proto) < ($1.source, $1.destination, $1.port, $1.proto) }
    }
}
