import TrailFormat
import Yams

/// Calico's resources (projectcalico.org/v3): NetworkPolicy, GlobalNetworkPolicy, Tier, and
/// the staged kinds (StagedNetworkPolicy, StagedGlobalNetworkPolicy,
/// StagedKubernetesNetworkPolicy), refusing what Calico's API server would refuse, with the
/// line. What flow data cannot decide (service accounts, services, HTTP, ICMP type) is kept
/// as a reason, so the evaluator says so instead of guessing.
extension PolicyDecoder {
    static let calicoVersion = "projectcalico.org/v3"

    func tier(_ object: Node) throws(PolicyFileError) -> Tier {
        try expectCalico(object, kind: "Tier")
        guard let name = object["metadata"]?["name"]?.string, !name.isEmpty else { throw error(object, "a Tier without metadata.name") }
        let spec = object["spec"]
        let order = try number(spec?["order"], "\(name): spec.order")
        var action = RuleAction.deny
        if let text = spec?["defaultAction"]?.string {
            guard let parsed = RuleAction(rawValue: text), parsed == .deny || parsed == .pass else {
                throw error(spec?["defaultAction"], "\(name): spec.defaultAction \(text): expected Deny or Pass")
            }
            action = parsed
        }
        return Tier(name: name, order: order, defaultAction: action, origin: NetworkPolicy.Origin(file: file, line: object.mark?.line ?? 0))
    }

    /// A GlobalNetworkSet (key: its name) or NetworkSet (key: `namespace/name`) and its nets.
    func networkSet(_ object: Node, namespaced: Bool) throws(PolicyFileError) -> (key: String, nets: [String]) {
        let kind = namespaced ? "NetworkSet" : "GlobalNetworkSet"
        try expectCalico(object, kind: kind)
        guard let name = object["metadata"]?["name"]?.string, !name.isEmpty else { throw error(object, "a \(kind) without metadata.name") }
        var key = name
        if namespaced {
            guard let namespace = object["metadata"]?["namespace"]?.string, !namespace.isEmpty else {
                throw error(object, "\(name): metadata.namespace is missing")
            }
            key = "\(namespace)/\(name)"
        }
        return (key, try cidrs(object["spec"]?["nets"], "\(key): spec.nets"))
    }

    /// A Calico NetworkPolicy, GlobalNetworkPolicy or their staged kinds.
    func calicoPolicy(_ object: Node, kind: PolicyKind) throws(PolicyFileError) -> TieredPolicy {
        let kindName = object["kind"]?.string ?? kind.name
        try expectCalico(object, kind: kindName)
        guard let name = object["metadata"]?["name"]?.string, !name.isEmpty else { throw error(object, "a \(kindName) without metadata.name") }
        let global = kind == .globalNetworkPolicy || kind == .stagedGlobalNetworkPolicy
        var namespace: String?
        if !global {
            guard let given = object["metadata"]?["namespace"]?.string, !given.isEmpty else {
                throw error(object, "\(name): metadata.namespace is missing: give each policy the namespace it will be applied to (as `kubectl get -o yaml` prints it)")
            }
            namespace = given
        }
        let id = namespace.map { "\($0)/\(name)" } ?? name
        guard let spec = object["spec"], spec.mapping != nil else { throw error(object, "\(id): no spec") }
        let tier = spec["tier"]?.string ?? PolicyDecision.defaultTier
        let order = try number(spec["order"], "\(id): spec.order")
        let selector = try calicoSelector(spec["selector"], "\(id): spec.selector") ?? .all
        let namespaceSelector = global ? try calicoSelector(spec["namespaceSelector"], "\(id): spec.namespaceSelector") : nil
        let ingress = try calicoRules(spec["ingress"], "\(id): spec.ingress")
        let egress = try calicoRules(spec["egress"], "\(id): spec.egress")
        var ingressType = true
        var egressType = !egress.isEmpty
        if let types = spec["types"], types.null == nil {
            guard let list = types.sequence else { throw error(types, "\(id): spec.types must be a list") }
            let names = list.compactMap(\.string)
            for type in names where PolicyDirection(policyType: type) == nil {
                throw error(types, "\(id): spec.types holds \(type): expected Ingress or Egress")
            }
            ingressType = names.contains("Ingress")
            egressType = names.contains("Egress")
        }
        var stagedAction: String?
        if kind.isStaged {
            stagedAction = spec["stagedAction"]?.string ?? "Set"
            guard stagedAction == "Set" || stagedAction == "Delete" else {
                throw error(spec["stagedAction"], "\(id): spec.stagedAction \(stagedAction ?? ""): expected Set or Delete")
            }
        }
        return TieredPolicy(kind: kind, name: name, namespace: namespace, tier: tier, order: order, selector: .calico(selector),
                            namespaceSelector: namespaceSelector, ingress: ingressType, egress: egressType,
                            rules: .calico(ingress: ingress, egress: egress), stagedAction: stagedAction,
                            origin: NetworkPolicy.Origin(file: file, line: object.mark?.line ?? 0))
    }

    /// A StagedKubernetesNetworkPolicy: a Kubernetes NetworkPolicy's spec, staged.
    func stagedKubernetesPolicy(_ object: Node) throws(PolicyFileError) -> TieredPolicy {
        try expectCalico(object, kind: "StagedKubernetesNetworkPolicy")
        var copy = object
        copy["apiVersion"] = Node("networking.k8s.io/v1")
        let policy = try self.policy(copy)
        let action = object["spec"]?["stagedAction"]?.string ?? "Set"
        guard action == "Set" || action == "Delete" else { throw error(object["spec"]?["stagedAction"], "\(policy.id): spec.stagedAction \(action): expected Set or Delete") }
        return TieredPolicy(kubernetes: policy, kind: .stagedKubernetesNetworkPolicy, stagedAction: action)
    }

    private func expectCalico(_ object: Node, kind: String) throws(PolicyFileError) {
        guard object["apiVersion"]?.string == Self.calicoVersion else {
            throw error(object, "a \(kind) with apiVersion \(object["apiVersion"]?.string ?? "missing"): expected \(Self.calicoVersion)")
        }
    }

    private func number(_ node: Node?, _ path: String) throws(PolicyFileError) -> Double? {
        guard let node, node.null == nil else { return nil }
        guard let value = node.float ?? node.int.map(Double.init), value.isFinite else { throw error(node, "\(path) must be a number") }
        return value
    }

    func calicoSelector(_ node: Node?, _ path: String) throws(PolicyFileError) -> CalicoSelector? {
        guard let node, node.null == nil else { return nil }
        guard let text = node.string else { throw error(node, "\(path) must be a selector string") }
        do throws(CalicoSelectorError) {
            // Calico trims a selector before parsing it (YAML block scalars end in a newline).
            return try CalicoSelector(text.trimmingCharacters(in: .whitespacesAndNewlines))
        } catch {
            throw self.error(node, "\(path): \(error.description)")
        }
    }

    private func calicoRules(_ node: Node?, _ path: String) throws(PolicyFileError) -> [CalicoRule] {
        guard let node, node.null == nil else { return [] }
        guard let list = node.sequence else { throw error(node, "\(path) must be a list of rules") }
        var rules: [CalicoRule] = []
        for (index, item) in list.enumerated() {
            let here = "\(path)[\(index)]"
            guard let actionText = item["action"]?.string, let action = RuleAction(rawValue: actionText) else {
                throw error(item, "\(here).action \(item["action"]?.string ?? "missing"): expected Allow, Deny, Pass or Log")
            }
            var rule = CalicoRule(action: action)
            for (key, target) in [("protocol", \CalicoRule.protocol), ("notProtocol", \CalicoRule.notProtocol)] {
                guard let value = item[Node(stringLiteral: key)], value.null == nil else { continue }
                let text = value.int.map(String.init) ?? value.string ?? ""
                guard let parsed = ProtocolMatch(text) else {
                    throw error(value, "\(here).\(key) \(text): expected TCP, UDP, ICMP, ICMPv6, SCTP, UDPLite or a number 0 to 255")
                }
                rule[keyPath: target] = parsed
            }
            if item["icmp"] != nil || item["notICMP"] != nil { rule.undecidable.append("ICMP type and code: flow data does not carry them") }
            if item["http"] != nil { rule.undecidable.append("an HTTP match: flow data does not carry HTTP methods or paths") }
            rule.source = try entity(item["source"], "\(here).source")
            rule.destination = try entity(item["destination"], "\(here).destination")
            rules.append(rule)
        }
        return rules
    }

    private func entity(_ node: Node?, _ path: String) throws(PolicyFileError) -> EntityMatch {
        var entity = EntityMatch()
        guard let node, node.null == nil else { return entity }
        guard node.mapping != nil else { throw error(node, "\(path) must be a map") }
        entity.selector = try calicoSelector(node["selector"], "\(path).selector")
        entity.notSelector = try calicoSelector(node["notSelector"], "\(path).notSelector")
        entity.namespaceSelector = try calicoSelector(node["namespaceSelector"], "\(path).namespaceSelector")
        entity.nets = try cidrs(node["nets"], "\(path).nets")
        entity.notNets = try cidrs(node["notNets"], "\(path).notNets")
        entity.ports = try ports(node["ports"], "\(path).ports")
        entity.notPorts = try ports(node["notPorts"], "\(path).notPorts")
        if node["serviceAccounts"] != nil { entity.undecidable.append("a service account match: flow data does not carry service accounts") }
        if node["services"] != nil { entity.undecidable.append("a Kubernetes service match: flow data does not say which service an address belonged to") }
        if node["domains"] != nil { entity.undecidable.append("a domain match: flow data does not carry DNS names") }
        return entity
    }

    private func cidrs(_ node: Node?, _ path: String) throws(PolicyFileError) -> [String] {
        guard let node, node.null == nil else { return [] }
        guard let list = node.sequence else { throw error(node, "\(path) must be a list of CIDRs") }
        return try list.map { item throws(PolicyFileError) in
            guard let text = item.string, NetworkSpace.parse(text) != nil else {
                throw error(item, "\(path): \"\(item.string ?? "")\" is not a CIDR (a.b.c.d/n or an IPv6 prefix)")
            }
            return text
        }
    }

    private func ports(_ node: Node?, _ path: String) throws(PolicyFileError) -> [PortMatch] {
        guard let node, node.null == nil else { return [] }
        guard let list = node.sequence else { throw error(node, "\(path) must be a list of ports") }
        return try list.map { item throws(PolicyFileError) in
            if let number = item.int {
                guard (0...65_535).contains(number) else { throw error(item, "\(path): port \(number) is not 0 to 65535") }
                return .range(number, number)
            }
            guard let text = item.string, !text.isEmpty else { throw error(item, "\(path): a port must be a number, a range \"a:b\" or a name") }
            let parts = text.split(separator: ":", omittingEmptySubsequences: false)
            if parts.count == 2, let first = Int(parts[0]), let last = Int(parts[1]) {
                guard 0 <= first, first <= last, last <= 65_535 else { throw error(item, "\(path): range \(text) is not first:last within 0 to 65535") }
                return .range(first, last)
            }
            if let number = Int(text) {
                guard (0...65_535).contains(number) else { throw error(item, "\(path): port \(number) is not 0 to 65535") }
                return .range(number, number)
            }
            return .named(text)
        }
    }
}
