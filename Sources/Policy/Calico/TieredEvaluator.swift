import TrailFormat

/// Evaluates observed flows against Calico's and Kubernetes' policies as Felix does, per
/// direction of a pod end (egress at a source pod, ingress at a destination pod):
///
/// 1. Tiers in order (`Tier.order` ascending, a tier without an order after those with one,
///    equal orders by name; Felix's `TierLess`). A tier where no policy selects the endpoint
///    for the direction is skipped.
/// 2. Within a tier, policies by order (none: after every order), then by name, namespace and
///    kind (Felix's `PolKVLess`); within a policy, rules in order. `Allow` and `Deny` end
///    evaluation; `Pass` ends the tier; `Log` goes on.
/// 3. When policies of the tier selected the endpoint and no rule decided: the tier's default
///    action (`Deny` unless the tier says `Pass`), recorded as an end-of-tier hit whose trigger
///    is the last enforced policy of the tier that selected the endpoint (the last staged one
///    when only staged policies did: felix/calc/endpoint_lookup_cache.go,
///    `TierDefaultActionRuleID`).
/// 4. After the last tier: the namespace's profile, `kns.NAMESPACE`, which allows.
///
/// Kubernetes NetworkPolicies are in tier `default` at order 1000 with Allow rules (Calico's
/// conversion); each is evaluated with Kubernetes' own semantics (`PolicyEvaluator`). What
/// flow data cannot decide stops evaluation of that direction as undecidable, with the reason:
/// nothing after it is guessed. Sources: Calico's policy and tier reference
/// (docs.tigera.io/calico/latest/reference/resources), felix/calc/policy_sorter.go (order),
/// felix/rules/endpoints.go (tiers, Pass, end of tier, profiles), felix/calc/
/// endpoint_lookup_cache.go (staged policies beside the enforced ones, the end-of-tier
/// trigger), libcalico-go's selector package (selectors) and conversion.go (Kubernetes
/// NetworkPolicies).
package final class TieredEvaluator {
    /// A direction's result: the hit that decides it, or why it cannot be decided.
    package enum Outcome: Sendable, Equatable {
        case decided(PolicyDecision)
        case undecidable([String])
    }

    private let tiers: [Tier]
    /// Per tier name, its policies in evaluation order.
    private let policies: [String: [TieredPolicy]]
    private let kubernetes: [String: PolicyEvaluator]
    private let namespaces: NamespaceLabels
    private let families: IPFamilies
    package let ports: NamedPorts
    /// Network sets' nets, by name (global) or `namespace/name`.
    private let networkSets: [String: [String]]

    /// `policies` as they would be enforced (staged ones included are evaluated as enforced,
    /// beside the others: see `enforcing(staged:)`).
    package init(policies: [TieredPolicy], tiers: [Tier], namespaces: NamespaceLabels = NamespaceLabels(), families: IPFamilies = .ipv4,
                 ports: NamedPorts = NamedPorts(), networkSets: [String: [String]] = [:]) {
        self.networkSets = networkSets
        var known = Dictionary(tiers.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        if known[Tier.defaultTier.name] == nil { known[Tier.defaultTier.name] = Tier.defaultTier }
        // A policy in a tier no file defines: the tier exists in the cluster; its order is not
        // known here, so it sorts after every known tier (as Felix sorts tiers it has not seen).
        for policy in policies where known[policy.tier] == nil { known[policy.tier] = Tier(name: policy.tier, order: nil) }
        self.tiers = known.values.sorted(by: Self.tierPrecedes)
        self.policies = Dictionary(grouping: policies, by: \.tier).mapValues { $0.sorted(by: Self.policyPrecedes) }
        var kubernetes: [String: PolicyEvaluator] = [:]
        for policy in policies {
            if case .kubernetes(let networkPolicy) = policy.rules {
                kubernetes[policy.qualifiedName + "#" + policy.kind.name] = PolicyEvaluator(policies: [networkPolicy], namespaces: namespaces, families: families)
            }
        }
        self.kubernetes = kubernetes
        self.namespaces = namespaces
        self.families = families
        self.ports = ports
    }

    /// The policies as Felix evaluates them for the pending trace: the staged ones (`Set`) as if
    /// enforced, each at its own place in its tier's order, beside the enforced ones (a staged
    /// policy does not replace an enforced one of the same name: with the same order, the
    /// enforced one sorts first, by kind). `stagedAction: Delete` is never sent to Felix
    /// (libcalico-go's staged policy update processors): it changes nothing.
    package static func enforcing(staged policies: [TieredPolicy]) -> [TieredPolicy] {
        policies.filter { !$0.isStaged || $0.stagedAction != "Delete" }
    }

    static func tierPrecedes(_ a: Tier, _ b: Tier) -> Bool {
        switch (a.order, b.order) {
        case let (x?, y?) where x != y: x < y
        case (.some, nil): true
        case (nil, .some): false
        default: a.name < b.name
        }
    }

    static func policyPrecedes(_ a: TieredPolicy, _ b: TieredPolicy) -> Bool {
        let (x, y) = (a.order ?? .infinity, b.order ?? .infinity)
        if x != y { return x < y }
        return "\(a.name)/\(a.namespace ?? "")/\(a.kind.name)" < "\(b.name)/\(b.namespace ?? "")/\(b.kind.name)"
    }

    /// Each direction that applies to the flow (egress when the source is a pod, ingress when
    /// the destination is), with its outcome.
    package func outcomes(_ flow: PolicyFlow) -> [(PolicyDirection, Outcome)] {
        var result: [(PolicyDirection, Outcome)] = []
        if case .pod(let namespace, let labels) = flow.source {
            result.append((.egress, decide(.egress, namespace: namespace, labels: labels, flow: flow)))
        }
        if case .pod(let namespace, let labels) = flow.destination {
            result.append((.ingress, decide(.ingress, namespace: namespace, labels: labels, flow: flow)))
        }
        return result
    }

    package func decide(_ direction: PolicyDirection, namespace: String, labels: [String: String], flow: PolicyFlow) -> Outcome {
        let endpointLabels = Self.calicoLabels(labels, namespace: namespace)
        for tier in tiers {
            // The end-of-tier trigger: the last enforced policy that selected the endpoint, else
            // the last staged one.
            var trigger: TieredPolicy?
            var stagedTrigger: TieredPolicy?
            var passed = false
            tierLoop: for policy in policies[tier.name] ?? [] where policy.applies(to: direction) {
                switch selects(policy, namespace: namespace, labels: labels, calicoLabels: endpointLabels) {
                case .no: continue
                case .unknown(let reason): return .undecidable(["\(describe(policy)): \(reason)"])
                case .yes: break
                }
                if policy.isStaged { stagedTrigger = policy } else { trigger = policy }
                switch evaluate(policy, direction: direction, flow: flow) {
                case .undecidable(let reasons): return .undecidable(reasons)
                case .noMatch: continue
                case .hit(let index, let action):
                    switch action {
                    case .allow, .deny:
                        return .decided(PolicyDecision(kind: policy.kind.name, tier: tier.name, policy: policy.qualifiedName, rule: Int64(index),
                                                       action: action == .allow ? .allow : .deny))
                    case .pass:
                        passed = true
                        break tierLoop
                    case .log: continue  // `evaluate` never returns a Log hit
                    }
                }
            }
            guard let trigger = trigger ?? stagedTrigger, !passed, tier.defaultAction != .pass else { continue }
            return .decided(PolicyDecision(kind: PolicyKind.endOfTier.name, tier: tier.name, policy: "", rule: -1, action: .deny,
                                           trigger: "\(trigger.kind.name) \(trigger.qualifiedName)"))
        }
        return .decided(PolicyDecision(kind: PolicyKind.profile.name, tier: "", policy: "kns.\(namespace)", rule: 0, action: .allow))
    }

    enum PolicyResult {
        case hit(index: Int, action: RuleAction)
        case noMatch
        case undecidable([String])
    }

    private func evaluate(_ policy: TieredPolicy, direction: PolicyDirection, flow: PolicyFlow) -> PolicyResult {
        switch policy.rules {
        case .kubernetes:
            guard let evaluator = kubernetes[policy.qualifiedName + "#" + policy.kind.name] else { return .noMatch }
            let (outcome, rule) = evaluator.decision(direction, flow: flow)
            switch outcome {
            case .admitted: return .hit(index: rule ?? 0, action: .allow)
            case .unknown(let reasons): return .undecidable(reasons)
            case .isolated, .notIsolated: return .noMatch
            }
        case .calico(let ingress, let egress):
            for (index, rule) in (direction == .ingress ? ingress : egress).enumerated() {
                switch matches(rule, policy: policy, flow: flow) {
                // A Log rule logs and goes on with the next rule.
                case .yes where rule.action == .log: continue
                case .yes: return .hit(index: index, action: rule.action)
                case .no: continue
                case .unknown(let reason):
                    // A Log rule decides nothing: what it matches does not matter.
                    if rule.action == .log { continue }
                    return .undecidable(["\(describe(policy)) \(direction.rawValue) rule \(index): \(reason)"])
                }
            }
            return .noMatch
        }
    }

    func describe(_ policy: TieredPolicy) -> String { "\(policy.kind.name) \(policy.qualifiedName)" }

    /// The labels Calico gives a pod's endpoint beside its own: its namespace and orchestrator.
    static func calicoLabels(_ labels: [String: String], namespace: String) -> [String: String] {
        var result = labels
        result["projectcalico.org/namespace"] = namespace
        result["projectcalico.org/orchestrator"] = "k8s"
        return result
    }

    /// The labels a namespace selector sees: the namespace's, and its name as Calico gives it.
    func namespaceLabels(_ namespace: String) -> [String: String] {
        var labels = namespaces.of(namespace)
        labels["projectcalico.org/name"] = namespace
        return labels
    }

    typealias Match = PolicyEvaluator.Match

    /// Whether `selector` selects namespace `namespace`: without its labels, only selectors that
    /// read nothing but its name can be decided.
    func selects(_ selector: CalicoSelector, namespace: String) -> Match {
        let labels = namespaceLabels(namespace)
        if selector.selectsEverything || namespaces.knows(namespace) { return selector.matches(labels) ? .yes : .no }
        let nameOnly = ["kubernetes.io/metadata.name": namespace, "projectcalico.org/name": namespace]
        let keys = Self.keys(of: selector.node)
        if keys.isSubset(of: Set(nameOnly.keys)) { return selector.matches(nameOnly) ? .yes : .no }
        return .unknown("the labels of namespace \(namespace) are not known: give them with --namespaces (kubectl get ns -o yaml)")
    }

    /// Whether `selector` selects a pod with `labels` (Goldmane gave none: only `all()` is sure).
    func selects(_ selector: CalicoSelector, pod labels: [String: String], calicoLabels: [String: String], name: String) -> Match {
        if selector.selectsEverything { return .yes }
        let keys = Self.keys(of: selector.node)
        if labels.isEmpty && !keys.isSubset(of: ["projectcalico.org/namespace", "projectcalico.org/orchestrator"]) {
            return .unknown("Goldmane gave no labels for \(name): whether selector \(selector) selects it is unknown")
        }
        return selector.matches(calicoLabels) ? .yes : .no
    }

    static func keys(of node: CalicoSelector.Node) -> Set<String> {
        switch node {
        case .all, .global: []
        case .has(let key), .equal(let key, _), .notEqual(let key, _), .contains(let key, _), .startsWith(let key, _), .endsWith(let key, _),
             .in(let key, _), .notIn(let key, _):
            [key]
        case .not(let inner): keys(of: inner)
        case .and(let nodes), .or(let nodes): nodes.reduce(into: Set<String>()) { $0.formUnion(keys(of: $1)) }
        }
    }

    private func selects(_ policy: TieredPolicy, namespace: String, labels: [String: String], calicoLabels: [String: String]) -> Match {
        switch policy.selector {
        case .kubernetes(let selector):
            guard policy.namespace == namespace else { return .no }
            return PolicyEvaluator.selects(selector, pod: labels, name: "a pod of \(namespace)")
        case .calico(let selector):
            if let own = policy.namespace {
                guard own == namespace else { return .no }
            } else if let namespaceSelector = policy.namespaceSelector {
                let match = selects(namespaceSelector, namespace: namespace)
                guard case .yes = match else { return match }
            }
            return selects(selector, pod: labels, calicoLabels: calicoLabels, name: "a pod of \(namespace)")
        }
    }

    private func matches(_ rule: CalicoRule, policy: TieredPolicy, flow: PolicyFlow) -> Match {
        if let proto = rule.protocol, !proto.matches(flow.protocol) { return .no }
        if let proto = rule.notProtocol, proto.matches(flow.protocol) { return .no }
        var unknown: String? = rule.undecidable.first
        for (entity, endpoint, isDestination) in [(rule.source, flow.source, false), (rule.destination, flow.destination, true)] {
            switch matches(entity, endpoint: endpoint, policy: policy, flow: flow, isDestination: isDestination) {
            case .no: return .no
            case .unknown(let reason): unknown = unknown ?? reason
            case .yes: break
            }
        }
        return unknown.map { .unknown($0) } ?? .yes
    }

    private func matches(_ entity: EntityMatch, endpoint: FlowEndpoint, policy: TieredPolicy, flow: PolicyFlow, isDestination: Bool) -> Match {
        var unknown: String? = entity.undecidable.first
        func note(_ match: Match) -> Bool {
            switch match {
            case .no: return false
            case .unknown(let reason): unknown = unknown ?? reason
            case .yes: break
            }
            return true
        }
        // Ports: of the destination, as flows carry them; flows carry no source port.
        if !entity.ports.isEmpty || !entity.notPorts.isEmpty {
            if !isDestination {
                unknown = unknown ?? "source ports: flow data carries no source port"
            } else {
                if !entity.ports.isEmpty, !note(portMatch(entity.ports, flow: flow)) { return .no }
                if !entity.notPorts.isEmpty {
                    switch portMatch(entity.notPorts, flow: flow) {
                    case .yes: return .no
                    case .unknown(let reason): unknown = unknown ?? reason
                    case .no: break
                    }
                }
            }
        }
        switch endpoint {
        case .pod(let namespace, let labels):
            if !entity.nets.isEmpty || !entity.notNets.isEmpty {
                unknown = unknown ?? "nets against a pod: Goldmane gives no pod addresses"
            }
            let hasSelector = entity.selector != nil || entity.notSelector != nil || entity.namespaceSelector != nil
            guard hasSelector else { break }
            if let namespaceSelector = entity.namespaceSelector {
                // `global()` picks non-namespaced endpoints (hosts, global network sets) only.
                if namespaceSelector.node == .global { return .no }
                if !note(selects(namespaceSelector, namespace: namespace)) { return .no }
            } else if let own = policy.namespace, own != namespace {
                // A namespaced policy's rule selector picks endpoints of its own namespace.
                return .no
            }
            let calico = Self.calicoLabels(labels, namespace: namespace)
            if let selector = entity.selector, !note(selects(selector, pod: labels, calicoLabels: calico, name: "\(namespace) pod")) { return .no }
            if let selector = entity.notSelector {
                switch selects(selector, pod: labels, calicoLabels: calico, name: "\(namespace) pod") {
                case .yes: return .no
                case .unknown(let reason): unknown = unknown ?? reason
                case .no: break
                }
            }
        case .other(let kind, let name, let otherNamespace, let labels):
            if entity.selector != nil || entity.notSelector != nil || entity.namespaceSelector != nil {
                // Selectors pick labelled endpoints: a pub/pvt address is none.
                if kind == .network { return .no }
                switch selectsLabelled(entity, kind: kind, name: name, namespace: otherNamespace, labels: labels, policy: policy) {
                case .no: return .no
                case .unknown(let reason): unknown = unknown ?? reason
                case .yes: break
                }
            }
            if !entity.nets.isEmpty || !entity.notNets.isEmpty {
                // pub/pvt: their address space; a network set: its nets, when the files define it.
                let setKey = otherNamespace.map { "\($0)/\(name)" } ?? name
                let space = kind == .network ? NetworkSpace.space(of: name, families: families)
                    : kind == .networkset ? networkSets[setKey].flatMap(NetworkSpace.space(ofCIDRs:)) : nil
                guard let space else {
                    unknown = unknown ?? (kind == .networkset
                        ? "nets against network set \(setKey): its nets are not in the files (give its GlobalNetworkSet or NetworkSet)"
                        : "nets against \(kind.rawValue) \(name): Goldmane gives no address for it")
                    return unknown.map { .unknown($0) } ?? .yes
                }
                if !entity.nets.isEmpty {
                    switch NetworkSpace.coverage(of: space, by: entity.nets.map { NetworkPolicy.IPBlock(cidr: $0) }) {
                    case .all?: break
                    case .nothing?: return .no
                    case .part?, nil: unknown = unknown ?? "nets \(entity.nets.joined(separator: ", ")) cover part of \(name) (\(NetworkSpace.describe(name, families: families))): Goldmane does not say which addresses"
                    }
                }
                if !entity.notNets.isEmpty {
                    switch NetworkSpace.coverage(of: space, by: entity.notNets.map { NetworkPolicy.IPBlock(cidr: $0) }) {
                    case .all?: return .no
                    case .nothing?: break
                    case .part?, nil: unknown = unknown ?? "notNets \(entity.notNets.joined(separator: ", ")) cover part of \(name): Goldmane does not say which addresses"
                    }
                }
            }
        }
        return unknown.map { .unknown($0) } ?? .yes
    }

    /// Whether a rule end's selectors pick a host endpoint or a network set, by the labels
    /// Goldmane gave for it. Which endpoints a selector may pick (Calico's EntityRule):
    /// `namespaceSelector: global()` the non-namespaced ones (hosts, global network sets);
    /// another namespaceSelector, network sets of the namespaces it selects; none, in a
    /// namespaced policy the network sets of its own namespace, in a global policy every endpoint.
    private func selectsLabelled(_ entity: EntityMatch, kind: EndpointType, name: String, namespace: String?, labels: [String: String],
                                 policy: TieredPolicy) -> Match {
        guard kind == .host || kind == .networkset else {
            return .unknown("a selector against \(kind.rawValue) \(name): flow data does not say what it is")
        }
        if let namespaceSelector = entity.namespaceSelector {
            if namespaceSelector.node == .global {
                if namespace != nil { return .no }
            } else {
                guard let namespace else { return .no }
                let match = selects(namespaceSelector, namespace: namespace)
                guard case .yes = match else { return match }
            }
        } else if let own = policy.namespace, own != namespace {
            return .no
        }
        if labels.isEmpty, !(entity.selector?.selectsEverything ?? true) {
            return .unknown("Goldmane gave no labels for \(kind.rawValue) \(name): whether selector \(entity.selector!) selects it is unknown")
        }
        if let selector = entity.selector, !selector.matches(labels) { return .no }
        if let selector = entity.notSelector, selector.matches(labels) { return .no }
        return .yes
    }

    private func portMatch(_ list: [PortMatch], flow: PolicyFlow) -> Match {
        var unknown: String?
        for port in list {
            switch port {
            case .range(let first, let last): if (first...last).contains(flow.port) { return .yes }
            case .named(let name):
                switch ports.resolve(name, at: flow) {
                case .yes: return .yes
                case .no: break
                case .unknown(let reason): unknown = unknown ?? reason
                }
            }
        }
        return unknown.map { .unknown($0) } ?? .no
    }
}
