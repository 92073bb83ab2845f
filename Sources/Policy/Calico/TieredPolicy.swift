import TrailFormat

/// What a Calico rule does when it matches (projectcalico.org/v3 `action`).
package enum RuleAction: String, Sendable, Equatable {
    /// Ends evaluation: allowed.
    case allow = "Allow"
    /// Ends evaluation: denied.
    case deny = "Deny"
    /// Ends the tier: evaluation goes on with the next tier.
    case pass = "Pass"
    /// Logs and goes on with the next rule.
    case log = "Log"
}

/// A Calico tier: policies are evaluated tier by tier, in order (lower first; a tier without
/// an order after every tier with one; equal orders by name).
package struct Tier: Sendable, Equatable {
    package var name: String
    package var order: Double?
    /// What ends the tier when a policy of it selected the endpoint and no rule decided:
    /// `deny` (Calico's default) or `pass`.
    package var defaultAction: RuleAction
    package var origin: NetworkPolicy.Origin?

    package init(name: String, order: Double?, defaultAction: RuleAction = .deny, origin: NetworkPolicy.Origin? = nil) {
        self.name = name
        self.order = order
        self.defaultAction = defaultAction
        self.origin = origin
    }

    /// Calico's `default` tier (order 1,000,000), where Kubernetes NetworkPolicies live.
    package static let defaultTier = Tier(name: PolicyDecision.defaultTier, order: 1_000_000)
}

/// A port or a range of ports (`80`, `"1000:2000"`), or a named port (resolved through the
/// destination pod's container ports when `--pods` gives them).
package enum PortMatch: Sendable, Equatable {
    case range(Int, Int)
    case named(String)
}

/// A protocol by name (`TCP`, `UDP`, `ICMP`, `ICMPv6`, `SCTP`, `UDPLite`) or number, as
/// Goldmane names flows' protocols (lowercase names).
package struct ProtocolMatch: Sendable, Equatable {
    /// The lowercase name flows carry (`tcp`), or the number as text.
    package var name: String

    static let numbers: [Int: String] = [1: "icmp", 6: "tcp", 17: "udp", 58: "icmpv6", 132: "sctp", 136: "udplite"]

    package init?(_ text: String) {
        if let number = Int(text) {
            guard (0...255).contains(number) else { return nil }
            name = Self.numbers[number] ?? text
        } else {
            let lower = text.lowercased()
            guard Set(Self.numbers.values).contains(lower) else { return nil }
            name = lower
        }
    }

    func matches(_ flowProtocol: String) -> Bool { name == flowProtocol.lowercased() }
}

/// One end of a Calico rule (`source` or `destination`).
package struct EntityMatch: Sendable, Equatable {
    package var selector: CalicoSelector?
    package var notSelector: CalicoSelector?
    /// Namespaces whose endpoints match (a namespaced policy's rule without it matches its own
    /// namespace only; a global policy's, every namespace).
    package var namespaceSelector: CalicoSelector?
    package var nets: [String] = []
    package var notNets: [String] = []
    package var ports: [PortMatch] = []
    package var notPorts: [PortMatch] = []
    /// What the end matches on that flow data cannot decide (service accounts, services,
    /// domains), named for the reason.
    package var undecidable: [String] = []

    package init() {}

    var isEmpty: Bool {
        selector == nil && notSelector == nil && namespaceSelector == nil && nets.isEmpty && notNets.isEmpty && ports.isEmpty
            && notPorts.isEmpty && undecidable.isEmpty
    }
}

/// A rule of a Calico policy.
package struct CalicoRule: Sendable, Equatable {
    package var action: RuleAction
    package var `protocol`: ProtocolMatch?
    package var notProtocol: ProtocolMatch?
    package var source = EntityMatch()
    package var destination = EntityMatch()
    /// What the rule matches on that flow data cannot decide (HTTP, ICMP type and code).
    package var undecidable: [String] = []

    package init(action: RuleAction) {
        self.action = action
    }
}

/// A policy as Calico evaluates it: Calico's own kinds, and Kubernetes NetworkPolicies as
/// Calico converts them (tier `default`, order 1000, Allow rules).
package struct TieredPolicy: Sendable, Equatable {
    package enum Rules: Sendable, Equatable {
        case calico(ingress: [CalicoRule], egress: [CalicoRule])
        case kubernetes(NetworkPolicy)
    }

    /// What selects the endpoints: a Calico selector, or a Kubernetes NetworkPolicy's pod selector.
    package enum Selection: Sendable, Equatable {
        case calico(CalicoSelector)
        case kubernetes(LabelSelector)
    }

    package var kind: PolicyKind
    package var name: String
    /// The namespace of a namespaced kind; nil for global kinds.
    package var namespace: String?
    package var tier: String
    /// Nil: after every policy of the tier with an order.
    package var order: Double?
    package var selector: Selection
    /// A global policy's `namespaceSelector`: the namespaces of the endpoints it selects.
    package var namespaceSelector: CalicoSelector?
    package var ingress: Bool
    package var egress: Bool
    package var rules: Rules
    /// Staged kinds: `Set` (evaluated in place of the enforced policy of the same name) or
    /// `Delete` (the enforced policy of the same name removed).
    package var stagedAction: String?
    package var origin: NetworkPolicy.Origin?

    package init(kind: PolicyKind, name: String, namespace: String?, tier: String, order: Double?, selector: Selection,
                 namespaceSelector: CalicoSelector? = nil, ingress: Bool, egress: Bool, rules: Rules, stagedAction: String? = nil,
                 origin: NetworkPolicy.Origin? = nil) {
        self.kind = kind
        self.name = name
        self.namespace = namespace
        self.tier = tier
        self.order = order
        self.selector = selector
        self.namespaceSelector = namespaceSelector
        self.ingress = ingress
        self.egress = egress
        self.rules = rules
        self.stagedAction = stagedAction
        self.origin = origin
    }

    /// A Kubernetes NetworkPolicy as Calico converts it: tier `default`, order 1000.
    package init(kubernetes policy: NetworkPolicy, kind: PolicyKind = .networkPolicy, stagedAction: String? = nil) {
        self.init(kind: kind, name: policy.name, namespace: policy.namespace, tier: PolicyDecision.defaultTier, order: 1000,
                  selector: .kubernetes(policy.podSelector), ingress: policy.isolatesIngress, egress: policy.isolatesEgress,
                  rules: .kubernetes(policy), stagedAction: stagedAction, origin: policy.origin)
    }

    /// `namespace/name`, or `name` for a global kind: as Goldmane's policy hits name it.
    package var qualifiedName: String { namespace.map { "\($0)/\(name)" } ?? name }

    package var isStaged: Bool { kind.isStaged }

    /// The enforced kind a staged kind stands for.
    package var enforcedKind: PolicyKind {
        switch kind {
        case .stagedNetworkPolicy: .calicoNetworkPolicy
        case .stagedGlobalNetworkPolicy: .globalNetworkPolicy
        case .stagedKubernetesNetworkPolicy: .networkPolicy
        default: kind
        }
    }

    func applies(to direction: PolicyDirection) -> Bool { direction == .ingress ? ingress : egress }
}
