/// One end of an observed flow, as Goldmane describes it.
public enum FlowEndpoint: Sendable, Equatable, Hashable {
    /// A pod (a workload endpoint): its namespace and labels.
    case pod(namespace: String, labels: [String: String])
    /// Anything else: Goldmane's `pub`/`pvt` networks, a host endpoint, a network set.
    case other(kind: String, name: String)
}

/// An observed flow: its ends, destination port and protocol (`tcp`, `udp`, `icmp`, ...).
public struct PolicyFlow: Sendable, Equatable, Hashable {
    public var source: FlowEndpoint
    public var destination: FlowEndpoint
    public var port: Int
    public var `protocol`: String

    public init(source: FlowEndpoint, destination: FlowEndpoint, port: Int, protocol: String) {
        self.source = source
        self.destination = destination
        self.port = port
        self.protocol = `protocol`
    }
}

public enum PolicyDirection: String, Sendable, Equatable, Hashable {
    case ingress, egress
}

/// Why a flow would be blocked: the direction, and the policies of the namespace that
/// select the pod for that direction without a rule that admits the flow.
public struct Isolation: Sendable, Equatable {
    public var direction: PolicyDirection
    public var namespace: String
    public var policies: [String]
}

public enum PolicyVerdict: Sendable, Equatable {
    case allowed
    case blocked([Isolation])
    /// What flow data cannot decide (a named port, an ipBlock against an end Goldmane gives
    /// no address for), with the reasons. Never guessed.
    case undecidable([String])
}

/// The labels of each namespace (from `kubectl get ns -o yaml`); every namespace also has
/// `kubernetes.io/metadata.name`, as the API server sets it.
public struct NamespaceLabels: Sendable {
    public var labels: [String: [String: String]]

    public init(_ labels: [String: [String: String]] = [:]) {
        self.labels = labels
    }

    public func of(_ namespace: String) -> [String: String] {
        var result = labels[namespace] ?? [:]
        result["kubernetes.io/metadata.name"] = namespace
        return result
    }
}

/// Evaluates flows against a set of NetworkPolicies exactly as Kubernetes defines them:
/// a pod is isolated for a direction when any policy of its namespace selects it with that
/// direction in its policy types; an isolated pod admits what the union of those policies'
/// rules admits; a pod-to-pod flow needs egress admitted at the source and ingress at the
/// destination. Ends that are not pods are not governed by NetworkPolicy.
public final class PolicyEvaluator {
    public struct RuleID: Sendable, Hashable, CustomStringConvertible {
        public var policy: String
        public var direction: PolicyDirection
        public var index: Int
        public var description: String { "\(policy) \(direction.rawValue)[\(index)]" }
    }

    private let byNamespace: [String: [NetworkPolicy]]
    private let namespaces: NamespaceLabels
    /// Rules that admitted at least one evaluated flow.
    public private(set) var usedRules: Set<RuleID> = []

    public init(policies: [NetworkPolicy], namespaces: NamespaceLabels = NamespaceLabels()) {
        byNamespace = Dictionary(grouping: policies, by: \.namespace)
        self.namespaces = namespaces
    }

    /// Every rule of every policy that admitted none of the flows evaluated so far.
    public var unusedRules: [RuleID] {
        byNamespace.values.joined().flatMap { policy in
            policy.ingress.indices.map { RuleID(policy: policy.id, direction: .ingress, index: $0) }
                + policy.egress.indices.map { RuleID(policy: policy.id, direction: .egress, index: $0) }
        }.filter { !usedRules.contains($0) }.sorted { ($0.policy, $0.direction.rawValue, $0.index) < ($1.policy, $1.direction.rawValue, $1.index) }
    }

    public func evaluate(_ flow: PolicyFlow) -> PolicyVerdict {
        var blocked: [Isolation] = []
        var undecidable: [String] = []
        if case .pod(let namespace, let labels) = flow.source {
            switch decide(.egress, namespace: namespace, labels: labels, peer: flow.destination, flow: flow) {
            case .admitted: break
            case .isolated(let isolation): blocked.append(isolation)
            case .unknown(let reasons): undecidable += reasons
            }
        }
        if case .pod(let namespace, let labels) = flow.destination {
            switch decide(.ingress, namespace: namespace, labels: labels, peer: flow.source, flow: flow) {
            case .admitted: break
            case .isolated(let isolation): blocked.append(isolation)
            case .unknown(let reasons): undecidable += reasons
            }
        }
        if !blocked.isEmpty { return .blocked(blocked) }
        if !undecidable.isEmpty { return .undecidable(undecidable) }
        return .allowed
    }

    /// Ends that are neither pods nor Goldmane's pub/pvt networks.
    static let undecidableKinds: Set<String> = ["host", "networkset"]

    private enum Decision {
        case admitted
        case isolated(Isolation)
        case unknown([String])
    }

    private enum Match {
        case yes, no
        case unknown(String)
    }

    private func decide(_ direction: PolicyDirection, namespace: String, labels: [String: String], peer: FlowEndpoint, flow: PolicyFlow) -> Decision {
        let selecting = (byNamespace[namespace] ?? []).filter { policy in
            (direction == .ingress ? policy.isolatesIngress : policy.isolatesEgress) && policy.podSelector.matches(labels)
        }
        guard !selecting.isEmpty else { return .admitted }
        var reasons: [String] = []
        var admitted = false
        for policy in selecting {
            for (index, rule) in (direction == .ingress ? policy.ingress : policy.egress).enumerated() {
                switch match(rule, of: policy, peer: peer, flow: flow) {
                case .yes:
                    admitted = true
                    usedRules.insert(RuleID(policy: policy.id, direction: direction, index: index))
                case .no: break
                case .unknown(let reason): reasons.append("\(policy.id) \(direction.rawValue)[\(index)]: \(reason)")
                }
            }
        }
        if admitted { return .admitted }
        if !reasons.isEmpty { return .unknown(reasons) }
        if case .other(let kind, let name) = peer, Self.undecidableKinds.contains(kind) {
            // A pod's own node is always allowed, and which node or network set an end is,
            // flow data does not say in a form the rules can match.
            return .unknown(["\(kind) \(name): NetworkPolicy cannot be evaluated for host endpoints and network sets from flow data"])
        }
        return .isolated(Isolation(direction: direction, namespace: namespace, policies: selecting.map(\.id).sorted()))
    }

    private func match(_ rule: NetworkPolicy.Rule, of policy: NetworkPolicy, peer: FlowEndpoint, flow: PolicyFlow) -> Match {
        let ports = matchPorts(rule.ports, flow: flow)
        if case .no = ports { return .no }
        let peers = matchPeers(rule.peers, of: policy, endpoint: peer)
        switch (peers, ports) {
        case (.no, _): return .no
        case (.yes, .yes): return .yes
        case (.unknown(let reason), _), (_, .unknown(let reason)): return .unknown(reason)
        default: return .no
        }
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
                unknown = "named port \"\(name)\": flow data carries port numbers, not the pods' port names"
            }
        }
        return unknown.map { .unknown($0) } ?? .no
    }

    private func matchPeers(_ peers: [NetworkPolicy.Peer], of policy: NetworkPolicy, endpoint: FlowEndpoint) -> Match {
        guard !peers.isEmpty else { return .yes }
        var unknown: String?
        let blocks = peers.compactMap(\.ipBlock)
        if !blocks.isEmpty {
            switch endpoint {
            case .pod:
                unknown = "ipBlock \(blocks[0].cidr) against a pod: Goldmane gives no pod addresses"
            case .other(let kind, let name):
                if kind == "network", let space = NetworkSpace.space(of: name) {
                    switch NetworkSpace.coverage(of: space, by: blocks) {
                    case .all?: return .yes
                    case .nothing?: break
                    case .part?, nil:
                        let cidrs = blocks.map(\.cidr).joined(separator: ", ")
                        unknown = "ipBlock \(cidrs) covers part of \(name) (\(name == "pub" ? "IPv4 outside RFC 1918" : "RFC 1918")): Goldmane does not say which addresses the flows went to"
                    }
                } else {
                    unknown = "ipBlock \(blocks[0].cidr) against \(kind) \(name): Goldmane gives no address for it"
                }
            }
        }
        for peer in peers where peer.ipBlock == nil {
            guard case .pod(let namespace, let labels) = endpoint else { continue }
            let namespaceMatches = peer.namespaceSelector.map { $0.matches(namespaces.of(namespace)) } ?? (namespace == policy.namespace)
            let podMatches = peer.podSelector?.matches(labels) ?? true
            if namespaceMatches && podMatches { return .yes }
        }
        return unknown.map { .unknown($0) } ?? .no
    }
}
