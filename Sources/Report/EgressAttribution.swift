import TrailFormat

/// Which policy decided each destination of the egress report, from the policy projection:
/// per side (egress as the source reported it, ingress as the destination did), the deciding
/// hit of the enforced trace and how many flows it decided.
struct EgressAttribution {
    struct Key: Hashable {
        var kind: DestinationKind
        var name: String
        var port: Int64
        var proto: String
        var action: FlowAction
    }

    private var decisions: [Key: [String]] = [:]

    init(_ observations: [PolicyObservation]) {
        struct Decision: Hashable { var side: String; var summary: String }
        var counts: [Key: [Decision: Int64]] = [:]
        for observation in observations {
            let identity = observation.identity
            let key = Self.key(dstType: identity.dstType, dstNs: identity.dstNs, dstName: identity.dstWorkload,
                               port: identity.dstPort, proto: identity.proto, action: identity.action)
            let side = identity.reporter.direction.rawValue
            counts[key, default: [:]][Decision(side: side, summary: identity.enforced.summary), default: 0] += observation.flows
        }
        for (key, byDecision) in counts {
            decisions[key] = byDecision.sorted {
                ($0.key.side, -$0.value, $0.key.summary) < ($1.key.side, -$1.value, $1.key.summary)
            }.map { "\($0.key.side): \($0.key.summary) (\($0.value) flow\($0.value == 1 ? "" : "s"))" }
        }
    }

    /// The report's destination key: a namespace for pods, else the end's identity (its
    /// namespace when it has one, as in edge_wide, else its name).
    static func key(dstType: EndpointType, dstNs: String, dstName: String, port: Int64, proto: String, action: FlowAction) -> Key {
        let name = dstType == .workload || dstNs != "-" ? dstNs : dstName
        return Key(kind: DestinationKind(dstType), name: name, port: port, proto: proto, action: action)
    }

    func decidedBy(_ key: Key) -> [String] { decisions[key] ?? [] }
}
