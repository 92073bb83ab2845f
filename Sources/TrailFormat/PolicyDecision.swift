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
    /// `allow` or `deny`; nil when there is no deciding hit (written as empty text).
    package var action: FlowAction?
    /// For `EndOfTier`: the policy that selected the endpoint and so triggered the tier's end,
    /// as its kind and name (`NetworkPolicy shop/default-deny`).
    package var trigger: String

    package init(kind: String = "", tier: String = "", policy: String = "", rule: Int64 = 0, action: FlowAction? = nil, trigger: String = "") {
        self.kind = kind
        self.tier = tier
        self.policy = policy
        self.rule = rule
        self.action = action
        self.trigger = trigger
    }

    package static let none = PolicyDecision()
    package static let malformed = PolicyDecision(kind: malformedKind)
    /// `kind` of a trace that is not a PolicyTrace.
    package static let malformedKind = "malformed"

    package var fields: [String] { [kind, tier, policy, String(rule), action?.rawValue ?? "", trigger] }

    /// `fields` as sort-key bytes (`SortKeys`).
    func appendSortKey(to keys: inout SortKeys) {
        keys.append(kind)
        keys.append(tier)
        keys.append(policy)
        keys.append(decimal: rule)
        keys.append(action?.rawValue ?? "")
        keys.append(trigger)
    }

    /// The kind of the deciding hit; nil for no hit or a malformed trace.
    package var policyKind: PolicyKind? { PolicyKind(name: kind) }

    /// The batch's and the table's text of `action`, read back: empty is no deciding hit.
    static func action(text: String, key: some CodingKey) throws -> FlowAction? {
        if text.isEmpty { return nil }
        guard let action = FlowAction(rawValue: text) else {
            throw DecodingError.dataCorrupted(DecodingError.Context(codingPath: [key], debugDescription: "unknown action \(text)"))
        }
        return action
    }

    /// The staged policy that decided (`namespace/name`), if one did.
    package var stagedPolicy: String? {
        if policyKind?.isStaged == true { return policy }
        guard let space = trigger.firstIndex(of: " "), PolicyKind(name: String(trigger[..<space]))?.isStaged == true else { return nil }
        return String(trigger[trigger.index(after: space)...])
    }

    /// The tier Kubernetes NetworkPolicies live in.
    package static let defaultTier = "default"

    /// Tiers Calico evaluates after the `default` tier (where Kubernetes NetworkPolicies live):
    /// the baseline admin tiers.
    package static let tiersAfterDefault: Set<String> = ["baselineadminnetworkpolicy", "kube-baseline"]

    /// True when a tier evaluated before `default` decided the flow with an explicit allow or
    /// deny: Kubernetes NetworkPolicies cannot change it. The trace carries no tier order: every
    /// tier but `default` and `tiersAfterDefault` is taken to come before it (Calico's own
    /// admin tier does, and custom tiers usually do: their order is below default's 1,000,000).
    package func isDecidedAboveKubernetes(tiersAfterDefault: Set<String> = Self.tiersAfterDefault) -> Bool {
        guard action?.isFinal == true else { return false }
        guard policyKind != .profile, !tier.isEmpty, tier != Self.defaultTier else { return false }
        return !tiersAfterDefault.contains(tier)
    }

    /// For people: "NetworkPolicy shop/allow-api rule 0 (tier default)", "no policy selects
    /// the endpoint: default allow (profile kns.shop)", "end of tier default (shop/x selects it)".
    package var summary: String {
        let verdict = action?.rawValue ?? ""
        if kind.isEmpty { return "no deciding policy in the trace" }
        if kind == Self.malformedKind { return "a policy trace that is not well formed" }
        switch policyKind {
        case .profile: return "no policy selects the endpoint: default \(verdict)" + (policy.isEmpty ? "" : " (profile \(policy))")
        case .endOfTier:
            return "end of tier \(tier): \(verdict)" + (trigger.isEmpty ? "" : " (\(trigger) selects the endpoint, no rule matched)")
        default:
            return "\(kind) \(policy) rule \(rule) (tier \(tier)): \(verdict)"
        }
    }
}
