/// The words a flow is described with, typed. Goldmane sends them as protobuf enum numbers;
/// the batch format, the tables and the reports write them as text (the runbook's values).
/// Both mappings live here and nowhere else: code compares cases, never strings or numbers.

/// A flow's verdict (Goldmane's `Action`): `edge.action`, `edge_wide.action`.
package enum FlowAction: String, Sendable, Hashable, Codable, CaseIterable {
    case allow
    case deny
    case pass
    /// Goldmane's 0 (`ActionUnspecified`) or a number this build does not know.
    case unspecified

    /// From Goldmane's `Action` number.
    package init(wire: Int) {
        switch wire {
        case 1: self = .allow
        case 2: self = .deny
        case 3: self = .pass
        default: self = .unspecified
        }
    }

    /// True for the two verdicts that end policy evaluation.
    package var isFinal: Bool { self == .allow || self == .deny }
}

/// What kind of endpoint an end of a flow is (Goldmane's `EndpointType`). Public only so that
/// `init(wire:)` and `isWorkload` can be `@inlinable` (the fold's per-key path).
public enum EndpointType: String, Sendable, Hashable, Codable, CaseIterable {
    /// A pod.
    case workload
    /// A host endpoint (a node).
    case host
    /// A (global) network set.
    case networkset
    /// An address outside every endpoint and network set: named `pub` or `pvt` (`NetworkName`).
    case network
    /// Goldmane's 0 or a number this build does not know.
    case unknown

    /// From Goldmane's `EndpointType` number.
    @inlinable
    public init(wire: Int) {
        switch wire {
        case 1: self = .workload
        case 2: self = .host
        case 3: self = .networkset
        case 4: self = .network
        default: self = .unknown
        }
    }

    /// A network set or a network: traffic to or from outside the cluster's workloads.
    package var isOutsideWorkloads: Bool { self == .network || self == .networkset }

    /// A pod (`==` from another module is a generic call; this is inlined).
    @inlinable
    public var isWorkload: Bool {
        if case .workload = self { true } else { false }
    }
}

/// The names Goldmane gives a `network` end: the public internet, or private address space.
package enum NetworkName: String, Sendable, Hashable, CaseIterable {
    case pub
    case pvt
}

/// Which end reported a flow (Goldmane's `Reporter`): the source reports egress, the
/// destination ingress.
package enum Reporter: String, Sendable, Hashable, Codable, CaseIterable {
    case src
    case dst
    /// Goldmane's 0 or a number this build does not know.
    case unspecified

    /// From Goldmane's `Reporter` number.
    package init(wire: Int) {
        switch wire {
        case 1: self = .src
        case 2: self = .dst
        default: self = .unspecified
        }
    }

    /// True for the destination: its verdicts are about ingress, the source's about egress.
    package var reportsIngress: Bool { self == .dst }
}

/// The kind of a policy trace's hit (Goldmane's `PolicyKind`), as the tables name it.
package enum PolicyKind: Hashable, Sendable {
    case calicoNetworkPolicy
    case globalNetworkPolicy
    case stagedNetworkPolicy
    case stagedGlobalNetworkPolicy
    case stagedKubernetesNetworkPolicy
    case networkPolicy
    /// No policy selects the endpoint: the namespace profile's default allow.
    case profile
    /// Policies of a tier selected the endpoint and none matched.
    case endOfTier
    case clusterNetworkPolicy
    /// A number this build does not name (7 and 8 changed meaning between releases, so they
    /// keep their number).
    case other(Int)

    /// From Goldmane's `PolicyKind` number.
    package init(wire: Int) {
        switch wire {
        case 1: self = .calicoNetworkPolicy
        case 2: self = .globalNetworkPolicy
        case 3: self = .stagedNetworkPolicy
        case 4: self = .stagedGlobalNetworkPolicy
        case 5: self = .stagedKubernetesNetworkPolicy
        case 6: self = .networkPolicy
        case 9: self = .profile
        case 10: self = .endOfTier
        case 11: self = .clusterNetworkPolicy
        default: self = .other(wire)
        }
    }

    /// Goldmane's `PolicyKind` number (`init(wire:)`'s inverse).
    package var wire: Int {
        switch self {
        case .calicoNetworkPolicy: 1
        case .globalNetworkPolicy: 2
        case .stagedNetworkPolicy: 3
        case .stagedGlobalNetworkPolicy: 4
        case .stagedKubernetesNetworkPolicy: 5
        case .networkPolicy: 6
        case .profile: 9
        case .endOfTier: 10
        case .clusterNetworkPolicy: 11
        case .other(let number): number
        }
    }

    /// The name the batch format and `policy_flow` carry.
    package var name: String {
        switch self {
        case .calicoNetworkPolicy: "CalicoNetworkPolicy"
        case .globalNetworkPolicy: "GlobalNetworkPolicy"
        case .stagedNetworkPolicy: "StagedNetworkPolicy"
        case .stagedGlobalNetworkPolicy: "StagedGlobalNetworkPolicy"
        case .stagedKubernetesNetworkPolicy: "StagedKubernetesNetworkPolicy"
        case .networkPolicy: "NetworkPolicy"
        case .profile: "Profile"
        case .endOfTier: "EndOfTier"
        case .clusterNetworkPolicy: "ClusterNetworkPolicy"
        case .other(let number): "kind-\(number)"
        }
    }

    /// The kind a name names (`name`'s inverse); nil for text that is no kind's name.
    package init?(name: String) {
        if let known = Self.byName[name] { self = known; return }
        guard name.hasPrefix("kind-"), let number = Int(name.dropFirst(5)) else { return nil }
        self = .other(number)
    }

    private static let byName: [String: PolicyKind] = Dictionary(
        uniqueKeysWithValues: [PolicyKind.calicoNetworkPolicy, .globalNetworkPolicy, .stagedNetworkPolicy, .stagedGlobalNetworkPolicy,
                               .stagedKubernetesNetworkPolicy, .networkPolicy, .profile, .endOfTier, .clusterNetworkPolicy].map { ($0.name, $0) })

    /// The three staged kinds: policies Calico evaluates without enforcing.
    package var isStaged: Bool {
        switch self {
        case .stagedNetworkPolicy, .stagedGlobalNetworkPolicy, .stagedKubernetesNetworkPolicy: true
        default: false
        }
    }
}

/// The version of the fold's meaning. Bump `current` whenever a change to the transform would
/// give different rows for the same archive: the load ledger records it, and replay rebuilds
/// what an older version made.
package enum TransformVersion {
    /// What this build's transform makes.
    package static let current = policyProjection
    /// 2: the policy projection (batch format 2). Tables built by an earlier version have no
    /// `policy_flow` rows.
    package static let policyProjection = 2
}
