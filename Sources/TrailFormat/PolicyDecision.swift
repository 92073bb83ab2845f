/// The hit of a Goldmane policy trace that decided a flow: the first `Allow` or `Deny` hit in
/// `policy_index` order (Calico evaluates tiers in order; `Pass` hands the flow to the next
/// tier, so the first allow or deny is the last word). Empty `kind` when the trace holds no
/// such hit (an empty trace, or one of passes only).
package struct PolicyDecision: Sendable, Hashable {
    /// `NetworkPolicy` (Kubernetes), `CalicoNetworkPolicy`, `GlobalNetworkPolicy`, the staged
    /// kinds, `Profile` (no policy selects the endpoint: the namespace profile's default allow),
    /// `EndOfTier` (policies of `tier` selected the endpoint and none matched), `kind-N` for a
    /// value this build does not name, `malformed` for a trace that is not a PolicyTrace.
    package var kind: String
    package var tier: String
    /// `namespace/name`, or `name` for global kinds; empty for `EndOfTier`.
    package var policy: String
    /// The rule's index within the policy; -1 for `EndOfTier`.
    package var rule: Int64
    /// `allow` or `deny`, empty when there is no deciding hit.
    package var action: String
    /// For `EndOfTier`: the policy that selected the endpoint and so triggered the tier's end,
    /// as its kind and name (`NetworkPolicy shop/default-deny`).
    package var trigger: String

    package init(kind: String = "", tier: String = "", policy: String = "", rule: Int64 = 0, action: String = "", trigger: String = "") {
        self.kind = kind
        self.tier = tier
        self.policy = policy
        self.rule = rule
        self.action = action
        self.trigger = trigger
    }

    package static let none = PolicyDecision()
    package static let malformed = PolicyDecision(kind: "malformed")

    package var fields: [String] { [kind, tier, policy, String(rule), action, trigger] }

    /// Goldmane's `PolicyKind` enum as a name (7 and 8 changed meaning between releases, so
    /// they keep their number).
    package static func kindName(_ raw: Int) -> String {
        switch raw {
        case 1: "CalicoNetworkPolicy"
        case 2: "GlobalNetworkPolicy"
        case 3: "StagedNetworkPolicy"
        case 4: "StagedGlobalNetworkPolicy"
        case 5: "StagedKubernetesNetworkPolicy"
        case 6: "NetworkPolicy"
        case 9: "Profile"
        case 10: "EndOfTier"
        case 11: "ClusterNetworkPolicy"
        default: "kind-\(raw)"
        }
    }

    /// The staged policy that decided (`namespace/name`), if one did.
    package var stagedPolicy: String? {
        if kind.hasPrefix("Staged") { return policy }
        guard trigger.hasPrefix("Staged"), let space = trigger.firstIndex(of: " ") else { return nil }
        return String(trigger[trigger.index(after: space)...])
    }

    /// Tiers Calico evaluates after the `default` tier (where Kubernetes NetworkPolicies live):
    /// the baseline admin tiers.
    package static let tiersAfterDefault: Set<String> = ["baselineadminnetworkpolicy", "kube-baseline"]

    /// True when a tier evaluated before `default` decided the flow with an explicit allow or
    /// deny: Kubernetes NetworkPolicies cannot change it. The trace carries no tier order: every
    /// tier but `default` and `tiersAfterDefault` is taken to come before it (Calico's own
    /// admin tier does, and custom tiers usually do: their order is below default's 1,000,000).
    package func isDecidedAboveKubernetes(tiersAfterDefault: Set<String> = Self.tiersAfterDefault) -> Bool {
        guard action == "allow" || action == "deny" else { return false }
        guard kind != "Profile", !tier.isEmpty, tier != "default" else { return false }
        return !tiersAfterDefault.contains(tier)
    }

    /// For people: "NetworkPolicy shop/allow-api rule 0 (tier default)", "no policy selects
    /// the endpoint: default allow (profile kns.shop)", "end of tier default (shop/x selects it)".
    package var summary: String {
        switch kind {
        case "": return "no deciding policy in the trace"
        case "malformed": return "a policy trace that is not well formed"
        case "Profile": return "no policy selects the endpoint: default \(action)" + (policy.isEmpty ? "" : " (profile \(policy))")
        case "EndOfTier":
            return "end of tier \(tier): \(action)" + (trigger.isEmpty ? "" : " (\(trigger) selects the endpoint, no rule matched)")
        default:
            return "\(kind) \(policy) rule \(rule) (tier \(tier)): \(action)"
        }
    }
}
