import TrailFormat

/// What one staged (not yet enforced) Calico policy would change, from the pending traces
/// alone: the flows observed as allowed that it would deny, and those observed as denied
/// that it would allow.
public struct StagedPolicyImpact: Sendable, Equatable, Encodable {
    public struct Flow: Sendable, Equatable, Encodable {
        public var source: String
        public var destination: String
        public var port: Int64
        public var proto: String
        public var flows: Int64

        enum CodingKeys: String, CodingKey { case source, destination, port, flows, proto = "protocol" }
    }

    /// `namespace/name` of the staged policy.
    public var policy: String
    public var kind: String
    public var wouldDeny: [Flow]
    public var wouldAllow: [Flow]

    public var deniedFlows: Int64 { wouldDeny.reduce(0) { $0 + $1.flows } }
    public var allowedFlows: Int64 { wouldAllow.reduce(0) { $0 + $1.flows } }

    enum CodingKeys: String, CodingKey {
        case policy, kind
        case wouldDeny = "would_deny"
        case wouldAllow = "would_allow"
    }

    /// "staged policy crowdsec/default-deny-egress would deny 23 flows observed in the window (1 destination)".
    public var sentence: String {
        var parts: [String] = []
        if !wouldDeny.isEmpty { parts.append("would deny \(deniedFlows) flow\(deniedFlows == 1 ? "" : "s") now allowed (\(wouldDeny.count) distinct)") }
        if !wouldAllow.isEmpty { parts.append("would allow \(allowedFlows) flow\(allowedFlows == 1 ? "" : "s") now denied (\(wouldAllow.count) distinct)") }
        return "staged policy \(policy) " + parts.joined(separator: " and ")
    }

    /// The impacts of every staged policy that decided a pending trace differently from the
    /// enforced verdict, by policy name. `observations` must carry the pending decision.
    public static func build(_ observations: [PolicyObservation]) -> [StagedPolicyImpact] {
        struct Key: Hashable { var policy: String; var kind: String }
        var impacts: [Key: StagedPolicyImpact] = [:]
        for observation in observations {
            let identity = observation.identity
            guard let policy = identity.pending.stagedPolicy, identity.pending.action != identity.action,
                  identity.action == "allow" || identity.action == "deny" else { continue }
            let kind = identity.pending.kind == "EndOfTier" ? String(identity.pending.trigger.prefix { $0 != " " }) : identity.pending.kind
            let key = Key(policy: policy, kind: kind)
            var impact = impacts[key] ?? StagedPolicyImpact(policy: policy, kind: kind, wouldDeny: [], wouldAllow: [])
            let flow = Flow(source: identity.source, destination: identity.destination, port: identity.dstPort, proto: identity.proto, flows: observation.flows)
            if identity.pending.action == "deny" { impact.wouldDeny.append(flow) } else { impact.wouldAllow.append(flow) }
            impacts[key] = impact
        }
        return impacts.values.map { impact in
            var merged = impact
            merged.wouldDeny = Self.merge(impact.wouldDeny)
            merged.wouldAllow = Self.merge(impact.wouldAllow)
            return merged
        }.sorted { ($0.policy, $0.kind) < ($1.policy, $1.kind) }
    }

    /// One line per distinct flow (rows that differ in labels or enforced decision summed), sorted.
    static func merge(_ flows: [Flow]) -> [Flow] {
        struct Key: Hashable { var source, destination: String; var port: Int64; var proto: String }
        var merged: [Key: Flow] = [:]
        for flow in flows {
            let key = Key(source: flow.source, destination: flow.destination, port: flow.port, proto: flow.proto)
            if var existing = merged[key] {
                existing.flows = EdgeTotals.add(existing.flows, flow.flows)
                merged[key] = existing
            } else {
                merged[key] = flow
            }
        }
        return merged.values.sorted { ($0.source, $0.destination, $0.port, $0.proto) < ($1.source, $1.destination, $1.port, $1.proto) }
    }
}
