import TrailFormat

/// One end of an observed flow, as Goldmane describes it.
package enum FlowEndpoint: Sendable, Equatable, Hashable {
    /// A pod (a workload endpoint): its namespace and labels.
    case pod(namespace: String, labels: [String: String])
    /// Anything else: Goldmane's `pub`/`pvt` networks, a host endpoint, a network set; with
    /// the namespace of a namespaced network set (nil: none) and the labels Goldmane gave
    /// (hosts and network sets carry them; Calico selectors can select them).
    case other(kind: EndpointType, name: String, namespace: String? = nil, labels: [String: String] = [:])
}

/// An observed flow: its ends, destination port and protocol (`tcp`, `udp`, `icmp`, ...).
package struct PolicyFlow: Sendable, Equatable, Hashable {
    package var source: FlowEndpoint
    package var destination: FlowEndpoint
    package var port: Int
    package var `protocol`: String

    package init(source: FlowEndpoint, destination: FlowEndpoint, port: Int, protocol: String) {
        self.source = source
        self.destination = destination
        self.port = port
        self.protocol = `protocol`
    }
}

package enum PolicyDirection: String, Sendable, Equatable, Hashable, CaseIterable {
    case ingress, egress

    /// As a NetworkPolicy's `policyTypes` spells it.
    package var policyType: String { self == .ingress ? "Ingress" : "Egress" }

    /// The direction a `policyTypes` entry names; nil for anything else.
    package init?(policyType: String) {
        guard let direction = Self.allCases.first(where: { $0.policyType == policyType }) else { return nil }
        self = direction
    }
}

/// Why a flow would be blocked: the direction, and the policies of the namespace that
/// select the pod for that direction without a rule that admits the flow.
package struct Isolation: Sendable, Equatable {
    package var direction: PolicyDirection
    package var namespace: String
    package var policies: [String]
}

package enum PolicyVerdict: Sendable, Equatable {
    case allowed
    case blocked([Isolation])
    /// What flow data cannot decide (a named port, an ipBlock against an end Goldmane gives
    /// no address for), with the reasons. Never guessed.
    case undecidable([String])
}

/// The labels of each namespace (from `kubectl get ns -o yaml`); every namespace also has
/// `kubernetes.io/metadata.name`, as the API server sets it.
package struct NamespaceLabels: Sendable {
    package var labels: [String: [String: String]]

    package init(_ labels: [String: [String: String]] = [:]) {
        self.labels = labels
    }

    package func of(_ namespace: String) -> [String: String] {
        var result = labels[namespace] ?? [:]
        result["kubernetes.io/metadata.name"] = namespace
        return result
    }

    /// Whether the namespace's labels are known (it was in `--namespaces`): otherwise only
    /// `kubernetes.io/metadata.name` is.
    package func knows(_ namespace: String) -> Bool { labels[namespace] != nil }
}

/// What one direction of a flow comes to under the policies.
package enum DirectionOutcome: Sendable, Equatable {
    /// No policy isolates the pod for this direction: allowed.
    case notIsolated
    /// Isolated, and a rule admits the flow.
    case admitted
    /// Isolated, and no rule admits it.
    case isolated(Isolation)
    /// Flow data cannot say (the reasons).
    case unknown([String])
}

/// Evaluates flows against a set of NetworkPolicies exactly as Kubernetes defines them:
/// a pod is isolated for a direction when any policy of its namespace selects it with that
/// direction in its policy types; an isolated pod admits what the union of those policies'
/// rules admits; a pod-to-pod flow needs egress admitted at the source and ingress at the
/// destination. Ends that are not pods are not governed by NetworkPolicy. What flow data
/// cannot decide is unknown, never guessed: a pod Goldmane gave no labels for, a namespace
/// whose labels were not given, named ports, ipBlocks against pods, host endpoints and network
/// sets, ipBlocks that cover part of `pub` or `pvt` (see `NetworkSpace`).
package final class PolicyEvaluator {
    package struct RuleID: Sendable, Hashable, CustomStringConvertible {
        package var policy: String
        package var direction: PolicyDirection
        package var index: Int
        package var description: String { "\(policy) \(direction.rawValue)[\(index)]" }
    }

    private let byNamespace: [String: [NetworkPolicy]]
    private let namespaces: NamespaceLabels
    private let families: IPFamilies
    private let ports: NamedPorts
    /// The first rule (of its policy's rules for the direction) that admitted the last flow decided.
    private var admittingRule: Int?
    /// Rules that admitted at least one evaluated flow.
    package private(set) var usedRules: Set<RuleID> = []
    /// Rules that might have admitted a flow, had flow data said enough (a named port, say).
    package private(set) var possiblyUsedRules: Set<RuleID> = []

    package init(policies: [NetworkPolicy], namespaces: NamespaceLabels = NamespaceLabels(), families: IPFamilies = .ipv4,
                 ports: NamedPorts = NamedPorts()) {
        byNamespace = Dictionary(grouping: policies, by: \.namespace)
        self.namespaces = namespaces
        self.families = families
        self.ports = ports
    }

    /// One direction of the flow, and the index of the first rule that admitted it.
    package func decision(_ direction: PolicyDirection, flow: PolicyFlow) -> (outcome: DirectionOutcome, rule: Int?) {
        guard let (_, outcome) = outcomes(flow).first(where: { $0.0 == direction }) else { return (.notIsolated, nil) }
        return (outcome, admittingRule)
    }

    /// Every rule of every policy that admitted none of the flows evaluated so far, and could
    /// not have (rules that were undecidable for some flow are not listed).
    package var unusedRules: [RuleID] {
        byNamespace.values.joined().flatMap { policy in
            policy.ingress.indices.map { RuleID(policy: policy.id, direction: .ingress, index: $0) }
                + policy.egress.indices.map { RuleID(policy: policy.id, direction: .egress, index: $0) }
        }.filter { !usedRules.contains($0) && !possiblyUsedRules.contains($0) }
            .sorted { ($0.policy, $0.direction.rawValue, $0.index) < ($1.policy, $1.direction.rawValue, $1.index) }
    }

    package func evaluate(_ flow: PolicyFlow) -> PolicyVerdict {
        var blocked: [Isolation] = []
        var undecidable: [String] = []
        for (_, outcome) in outcomes(flow) {
            switch outcome {
            case .notIsolated, .admitted: break
            case .isolated(let isolation): blocked.append(isolation)
            case .unknown(let reasons): undecidable += reasons
            }
        }
        if !blocked.isEmpty { return .blocked(blocked) }
        if !undecidable.isEmpty { return .undecidable(undecidable) }
        return .allowed
    }

    /// Each direction that applies to the flow (egress when the source is a pod, ingress when
    /// the destination is), with its outcome.
    package func outcomes(_ flow: PolicyFlow) -> [(PolicyDirection, DirectionOutcome)] {
        var result: [(PolicyDirection, DirectionOutcome)] = []
        if case .pod(let namespace, let labels) = flow.source {
            result.append((.egress, decide(.egress, namespace: namespace, labels: labels, peer: flow.destination, flow: flow)))
        }
        if case .pod(let namespace, let labels) = flow.destination {
            result.append((.ingress, decide(.ingress, namespace: namespace, labels: labels, peer: flow.source, flow: flow)))
        }
        return result
    }

    /// Ends that are neither pods nor Goldmane's pub/pvt networks.
    static let undecidableKinds: Set<EndpointType> = [.host, .networkset, .unknown]

    enum Match: Equatable {
        case yes, no
        case unknown(String)
    }

    /// Whether `selector` selects a pod with `labels`: a pod Goldmane gave no labels for is
    /// selected by `{}` only, for certain.
    static func selects(_ selector: LabelSelector, pod labels: [String: String], name: String) -> Match {
        if selector == .everything { return .yes }
        if labels.isEmpty { return .unknown("Goldmane gave no labels for \(name): whether a pod selector selects it is unknown") }
        return selector.matches(labels) ? .yes : .no
    }

    /// Whether `selector` selects `namespace`: without its labels only requirements on
    /// `kubernetes.io/metadata.name` can be decided.
    func selects(_ selector: LabelSelector, namespace: String) -> Match {
        let labels = namespaces.of(namespace)
        if namespaces.knows(namespace) { return selector.matches(labels) ? .yes : .no }
        let nameKey = "kubernetes.io/metadata.name"
        let byName = LabelSelector(matchLabels: selector.matchLabels.filter { $0.key == nameKey },
                                   matchExpressions: selector.matchExpressions.filter { $0.key == nameKey })
        if !byName.matches(labels) { return .no }
        if byName == selector { return .yes }
        return .unknown("the labels of namespace \(namespace) are not known: give them with --namespaces (kubectl get ns -o yaml)")
    }

    private func decide(_ direction: PolicyDirection, namespace: String, labels: [String: String], peer: FlowEndpoint, flow: PolicyFlow) -> DirectionOutcome {
        admittingRule = nil
        var selecting: [NetworkPolicy] = []
        var reasons: [String] = []
        for policy in byNamespace[namespace] ?? [] where direction == .ingress ? policy.isolatesIngress : policy.isolatesEgress {
            switch Self.selects(policy.podSelector, pod: labels, name: "a pod of \(namespace)") {
            case .yes: selecting.append(policy)
            case .no: break
            case .unknown(let reason): reasons.append("\(policy.id): \(reason)")
            }
        }
        // Whether any policy isolates the pod is unknown: so is the outcome.
        if selecting.isEmpty { return reasons.isEmpty ? .notIsolated : .unknown(reasons) }
        var admitted = false
        // A pub/pvt end's address space, once: ipBlocks against it count together, across
        // every rule whose ports match.
        var network: (name: String, space: [NetworkSpace.Family])? = nil
        if case .other(.network, let name, _, _) = peer, let space = NetworkSpace.space(of: name, families: families) { network = (name, space) }
        var blocks: [(RuleID, [NetworkPolicy.IPBlock])] = []
        for policy in selecting {
            for (index, rule) in (direction == .ingress ? policy.ingress : policy.egress).enumerated() {
                let id = RuleID(policy: policy.id, direction: direction, index: index)
                let ports = matchPorts(rule.ports, flow: flow)
                if case .no = ports { continue }
                var peers = matchPeers(rule.peers, of: policy, endpoint: peer, blocksCountedApart: network != nil)
                let ruleBlocks = rule.peers.compactMap(\.ipBlock)
                if let network, !ruleBlocks.isEmpty {
                    if case .yes = ports {
                        blocks.append((id, ruleBlocks))
                    } else if case .unknown(let reason) = ports {
                        // A rule whose ipBlocks hold none of the end admits nothing, whatever the port.
                        if NetworkSpace.coverage(of: network.space, by: ruleBlocks) == .nothing,
                           case .no = peers { continue }
                        peers = .unknown(reason)
                    }
                }
                switch (peers, ports) {
                case (.no, _): continue
                case (.yes, .yes):
                    if !admitted { admittingRule = index }
                    admitted = true
                    usedRules.insert(id)
                case (.unknown(let reason), _), (_, .unknown(let reason)):
                    possiblyUsedRules.insert(id)
                    reasons.append("\(id): \(reason)")
                default: continue
                }
            }
        }
        if !admitted, let network, !blocks.isEmpty {
            let name = network.name
            switch NetworkSpace.coverage(of: network.space, by: blocks.flatMap(\.1)) {
            case .all?:
                admitted = true
                admittingRule = blocks.map(\.0.index).min()
                usedRules.formUnion(blocks.map(\.0))
            case .nothing?: break
            case .part?, nil:
                possiblyUsedRules.formUnion(blocks.map(\.0))
                let cidrs = blocks.flatMap { $0.1.map(\.cidr) }.joined(separator: ", ")
                reasons.append("ipBlock \(cidrs) covers part of \(name) (\(NetworkSpace.describe(name, families: families))): Goldmane does not say which addresses the flows went to")
            }
        }
        if admitted { return .admitted }
        if !reasons.isEmpty { return .unknown(reasons) }
        if case .other(let kind, let name, _, _) = peer, Self.undecidableKinds.contains(kind) {
            // A pod's own node is always allowed, and which node or network set an end is,
            // flow data does not say in a form the rules can match.
            return .unknown(["\(kind.rawValue) \(name): NetworkPolicy cannot be evaluated for host endpoints and network sets from flow data"])
        }
        return .isolated(Isolation(direction: direction, namespace: namespace, policies: selecting.map(\.id).sorted()))
    }

    private func matchPorts(_ ports: [NetworkPolicy.Port], flow: PolicyFlow) -> Match {
        guard !ports.isEmpty else { return .yes }
        var unknown: String?
        for port in ports where port.protocol.lowercased() == flow.protocol.lowercased() {
            switch port.port {
            case nil: return .yes
            case .number(let number):
                if let end = port.endPort { if (number...max(number, end)).contains(flow.port) { return .yes } } else if number == flow.port { return .yes }
            case .name(let name):
                switch self.ports.resolve(name, at: flow) {
                case .yes: return .yes
                case .no: break
                case .unknown(let reason): unknown = reason
                }
            }
        }
        return unknown.map { .unknown($0) } ?? .no
    }

    /// The rule's peers against the other end. ipBlocks against `pub`/`pvt` are left to the
    /// caller, which counts them across rules.
    private func matchPeers(_ peers: [NetworkPolicy.Peer], of policy: NetworkPolicy, endpoint: FlowEndpoint, blocksCountedApart: Bool) -> Match {
        guard !peers.isEmpty else { return .yes }
        var unknown: String?
        for peer in peers {
            if let block = peer.ipBlock {
                switch endpoint {
                case .pod:
                    unknown = unknown ?? "ipBlock \(block.cidr) against a pod: Goldmane gives no pod addresses"
                case .other(let kind, let name, _, _):
                    if blocksCountedApart { continue }
                    unknown = unknown ?? "ipBlock \(block.cidr) against \(kind.rawValue) \(name): Goldmane gives no address for it"
                }
                continue
            }
            guard case .pod(let namespace, let labels) = endpoint else { continue }
            let namespaceMatch = peer.namespaceSelector.map { selects($0, namespace: namespace) } ?? (namespace == policy.namespace ? .yes : .no)
            let podMatch = peer.podSelector.map { Self.selects($0, pod: labels, name: "\(namespace) pod") } ?? .yes
            switch (namespaceMatch, podMatch) {
            case (.yes, .yes): return .yes
            case (.no, _), (_, .no): continue
            case (.unknown(let reason), _), (_, .unknown(let reason)): unknown = unknown ?? reason
            }
        }
        return unknown.map { .unknown($0) } ?? .no
    }
}
