import Foundation
import GoldmaneAPI
import Policy
import TrailFormat
import TrailSupport

/// The home-lab cluster's policies (`samples/policies/`: tiers, global and namespaced Calico
/// policies, Kubernetes NetworkPolicies, staged changes, network sets) and the traces they
/// give. Every sample flow's trace is the files' evaluation, as Felix would record it: the
/// enforced trace from the enforced policies, the pending trace with the staged ones in
/// place. The conversations declare the verdicts they model; a file that gives another
/// verdict, or one that flow data cannot decide, stops the generator naming the flow.
struct SamplePolicies {
    /// The committed policies, beside the sources (`samples/policies` of the repository).
    static let defaultDirectory: String = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("samples/policies").path

    /// The profile Calico gives automatic host endpoints (and so the trace of a flow a host
    /// reports): no policy here selects them.
    static let hostProfile = "projectcalico-default-allow"

    private let enforced: TieredEvaluator
    private let pending: TieredEvaluator

    /// Reads `directory`; with `scale` > 1 the copies of the application namespaces
    /// (`nextcloud-2`, ...) carry copies of their namespace's policies.
    init(directory: String, scale: Int, applicationNamespaces: [String]) throws(PolicyFileError) {
        let set = try PolicyFiles.loadSet([directory])
        var policies = set.tiered
        if scale > 1 {
            let copied = Set(applicationNamespaces)
            let originals = policies.filter { $0.namespace.map(copied.contains) ?? false }
            for copy in 2...scale {
                policies += originals.map { policy in
                    var clone = policy
                    clone.namespace = "\(policy.namespace!)-\(copy)"
                    return clone
                }
            }
        }
        enforced = TieredEvaluator(policies: policies.filter { !$0.isStaged }, tiers: set.tiers, networkSets: set.networkSets)
        pending = TieredEvaluator(policies: TieredEvaluator.enforcing(staged: policies), tiers: set.tiers, networkSets: set.networkSets)
    }

    /// The trace of `conversation` as `reporter` records it.
    func trace(_ conversation: Conversation, reporter: Goldmane_Reporter, action: Goldmane_Action) throws(SamplePolicyError) -> Goldmane_PolicyTrace {
        let flow = PolicyFlow(source: Self.endpoint(conversation.source), destination: Self.endpoint(conversation.destination),
                              port: Int(conversation.port), protocol: conversation.proto)
        let direction: PolicyDirection = reporter == .src ? .egress : .ingress
        guard case .pod(let namespace, let labels) = direction == .egress ? flow.source : flow.destination else {
            var hit = Goldmane_PolicyHit()
            hit.kind = .profile
            hit.name = Self.hostProfile
            hit.action = .allow
            var trace = Goldmane_PolicyTrace()
            trace.enforcedPolicies = [hit]
            trace.pendingPolicies = [hit]
            return trace
        }
        let staged = conversation.staged.first { $0.reporter == reporter }?.action ?? action
        var trace = Goldmane_PolicyTrace()
        for (evaluator, expected, isPending) in [(enforced, action, false), (pending, staged, true)] {
            let name = "\(conversation.source.namespace)/\(conversation.source.name) -> \(conversation.destination.namespace)/\(conversation.destination.name):\(conversation.port)/\(conversation.proto) \(direction.rawValue)\(isPending ? " (with the staged policies)" : "")"
            switch evaluator.decide(direction, namespace: namespace, labels: labels, flow: flow) {
            case .undecidable(let reasons):
                throw SamplePolicyError(.dataError, "samples/policies cannot decide \(name): \(reasons.joined(separator: "; "))")
            case .decided(let decision):
                guard decision.action == Self.flowAction(expected) else {
                    throw SamplePolicyError(.dataError, "samples/policies give \(name) \(decision.summary); the sample models \(Self.flowAction(expected)?.rawValue ?? "-"): fix the files or the conversation")
                }
                if isPending { trace.pendingPolicies = [Self.hit(decision)] } else { trace.enforcedPolicies = [Self.hit(decision)] }
            }
        }
        return trace
    }

    /// A flow end as policy evaluation sees it (as `policy-check` builds it from flow rows).
    static func endpoint(_ endpoint: Endpoint) -> FlowEndpoint {
        let labels = Dictionary(endpoint.labels.map { label -> (String, String) in
            let parts = label.split(separator: "=", maxSplits: 1)
            return (String(parts[0]), parts.count > 1 ? String(parts[1]) : "")
        }, uniquingKeysWith: { first, _ in first })
        switch endpoint.type {
        case .workloadEndpoint: return .pod(namespace: endpoint.namespace, labels: labels)
        case .hostEndpoint: return .other(kind: .host, name: endpoint.name, labels: labels)
        case .networkSet: return .other(kind: .networkset, name: endpoint.name, namespace: endpoint.namespace == "-" ? nil : endpoint.namespace, labels: labels)
        default: return .other(kind: .network, name: endpoint.name)
        }
    }

    static func flowAction(_ action: Goldmane_Action) -> FlowAction? {
        switch action {
        case .allow: .allow
        case .deny: .deny
        default: nil
        }
    }

    /// The policy hit Goldmane records for a deciding hit.
    static func hit(_ decision: PolicyDecision) -> Goldmane_PolicyHit {
        var hit = named(kind: decision.policyKind ?? .profile, decision.policy)
        hit.tier = decision.tier
        hit.action = decision.action == .deny ? .deny : .allow
        hit.ruleIndex = decision.rule
        if decision.policyKind == .endOfTier, let space = decision.trigger.firstIndex(of: " "),
           let kind = PolicyKind(name: String(decision.trigger[..<space])) {
            hit.trigger = named(kind: kind, String(decision.trigger[decision.trigger.index(after: space)...]))
        }
        return hit
    }

    /// A hit of `kind` naming `qualifiedName` (`namespace/name`, or `name`).
    private static func named(kind: PolicyKind, _ qualifiedName: String) -> Goldmane_PolicyHit {
        var hit = Goldmane_PolicyHit()
        hit.kind = Goldmane_PolicyKind(rawValue: kind.wire) ?? .kindUnspecified
        if let slash = qualifiedName.firstIndex(of: "/") {
            hit.namespace = String(qualifiedName[..<slash])
            hit.name = String(qualifiedName[qualifiedName.index(after: slash)...])
        } else {
            hit.name = qualifiedName
        }
        return hit
    }
}

package enum SamplePolicyErrorCode: ErrorCode {
    case dataError
    package var exitStatus: ExitStatus { .dataError }
}

/// The sample policies do not give a conversation the verdict it models.
package typealias SamplePolicyError = StageError<SamplePolicyErrorCode>
