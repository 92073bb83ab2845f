import Yams

/// Turns one NetworkPolicy object into its meaning, refusing what Kubernetes' API server
/// would refuse (and naming the line).
struct PolicyDecoder {
    let file: String

    func error(_ node: Node?, _ message: String) -> PolicyFileError {
        PolicyFileError(file: file, line: node?.mark?.line, message)
    }

    func policy(_ object: Node) throws(PolicyFileError) -> NetworkPolicy {
        guard object["apiVersion"]?.string == "networking.k8s.io/v1" else {
            throw error(object, "a NetworkPolicy with apiVersion \(object["apiVersion"]?.string ?? "missing"): expected networking.k8s.io/v1")
        }
        guard let name = object["metadata"]?["name"]?.string, !name.isEmpty else { throw error(object, "a NetworkPolicy without metadata.name") }
        // `kubectl apply -n` would supply it; here nothing does, and "default" would be a guess.
        guard let namespace = object["metadata"]?["namespace"]?.string, !namespace.isEmpty else {
            throw error(object, "\(name): metadata.namespace is missing: give each policy the namespace it will be applied to (as `kubectl get netpol -A -o yaml` prints it)")
        }
        guard let spec = object["spec"], spec.mapping != nil else { throw error(object, "\(namespace)/\(name): no spec") }
        var policyTypes: [String]?
        if let types = spec["policyTypes"] {
            guard let list = types.sequence else { throw error(types, "\(name): policyTypes must be a list") }
            policyTypes = try list.map { node throws(PolicyFileError) in
                guard let type = node.string, PolicyDirection(policyType: type) != nil else {
                    throw error(node, "\(name): policyTypes holds \(node.string ?? "a non-string"): expected Ingress or Egress")
                }
                return type
            }
        }
        guard let podSelector = spec["podSelector"] else { throw error(spec, "\(name): spec.podSelector is required ({} selects every pod)") }
        return NetworkPolicy(
            name: name, namespace: namespace, podSelector: try selector(podSelector, "spec.podSelector"), policyTypes: policyTypes,
            ingress: try rules(spec["ingress"], peersKey: "from", "spec.ingress"),
            egress: try rules(spec["egress"], peersKey: "to", "spec.egress"),
            origin: NetworkPolicy.Origin(file: file, line: object.mark?.line ?? 0))
    }

    func rules(_ node: Node?, peersKey: String, _ path: String) throws(PolicyFileError) -> [NetworkPolicy.Rule] {
        guard let node, node.null == nil else { return [] }
        guard let list = node.sequence else { throw error(node, "\(path) must be a list of rules") }
        var rules: [NetworkPolicy.Rule] = []
        for (index, rule) in list.enumerated() {
            let here = "\(path)[\(index)]"
            var peers: [NetworkPolicy.Peer] = []
            if let peerList = rule[Node(stringLiteral: peersKey)], peerList.null == nil {
                guard let items = peerList.sequence else { throw error(peerList, "\(here).\(peersKey) must be a list") }
                for (peerIndex, peer) in items.enumerated() {
                    peers.append(try self.peer(peer, "\(here).\(peersKey)[\(peerIndex)]"))
                }
            }
            var ports: [NetworkPolicy.Port] = []
            if let portList = rule["ports"], portList.null == nil {
                guard let items = portList.sequence else { throw error(portList, "\(here).ports must be a list") }
                for (portIndex, port) in items.enumerated() {
                    ports.append(try self.port(port, "\(here).ports[\(portIndex)]"))
                }
            }
            rules.append(NetworkPolicy.Rule(peers: peers, ports: ports))
        }
        return rules
    }

    func peer(_ node: Node, _ path: String) throws(PolicyFileError) -> NetworkPolicy.Peer {
        var peer = NetworkPolicy.Peer()
        if let pods = node["podSelector"] { peer.podSelector = try selector(pods, "\(path).podSelector") }
        if let namespaces = node["namespaceSelector"] { peer.namespaceSelector = try selector(namespaces, "\(path).namespaceSelector") }
        if let block = node["ipBlock"] {
            guard let cidr = block["cidr"]?.string else { throw error(block, "\(path).ipBlock.cidr is required") }
            guard peer.podSelector == nil && peer.namespaceSelector == nil else {
                throw error(block, "\(path): ipBlock cannot be combined with podSelector or namespaceSelector")
            }
            let except = (block["except"]?.sequence.map { Array($0) } ?? []).compactMap(\.string)
            for text in [cidr] + except where NetworkSpace.parse(text) == nil {
                throw error(block, "\(path).ipBlock: \"\(text)\" is not a CIDR (a.b.c.d/n or an IPv6 prefix such as fd00::/8)")
            }
            peer.ipBlock = NetworkPolicy.IPBlock(cidr: cidr, except: except)
        }
        guard peer.podSelector != nil || peer.namespaceSelector != nil || peer.ipBlock != nil else {
            throw error(node, "\(path) names no podSelector, namespaceSelector or ipBlock")
        }
        return peer
    }

    func port(_ node: Node, _ path: String) throws(PolicyFileError) -> NetworkPolicy.Port {
        let proto = node["protocol"]?.string ?? "TCP"
        guard ["TCP", "UDP", "SCTP"].contains(proto) else { throw error(node, "\(path).protocol \(proto): expected TCP, UDP or SCTP") }
        var port = NetworkPolicy.Port(protocol: proto)
        if let value = node["port"] {
            if let number = value.int {
                guard (1...65_535).contains(number) else { throw error(value, "\(path).port \(number) is not 1 to 65535") }
                port.port = .number(number)
            } else if let name = value.string, !name.isEmpty {
                port.port = .name(name)
            } else {
                throw error(value, "\(path).port must be a number or a port name")
            }
        }
        if let end = node["endPort"] {
            guard let number = end.int, case .number(let start)? = port.port, number >= start, number <= 65_535 else {
                throw error(end, "\(path).endPort must be a number at least port (a numbered port), at most 65535")
            }
            port.endPort = number
        }
        return port
    }

    func selector(_ node: Node, _ path: String) throws(PolicyFileError) -> LabelSelector {
        if node.null != nil { return .everything }
        guard node.mapping != nil else { throw error(node, "\(path) must be a label selector ({} for everything)") }
        var selector = LabelSelector(matchLabels: try stringMap(node["matchLabels"], "\(path).matchLabels"))
        if let expressions = node["matchExpressions"], expressions.null == nil {
            guard let list = expressions.sequence else { throw error(expressions, "\(path).matchExpressions must be a list") }
            for (index, expression) in list.enumerated() {
                let here = "\(path).matchExpressions[\(index)]"
                guard let key = expression["key"]?.string else { throw error(expression, "\(here).key is required") }
                guard let name = expression["operator"]?.string, let op = LabelSelector.Operator(rawValue: name) else {
                    throw error(expression, "\(here).operator \(expression["operator"]?.string ?? "missing"): expected In, NotIn, Exists or DoesNotExist")
                }
                let values = (expression["values"]?.sequence.map { Array($0) } ?? []).compactMap(\.string)
                switch op {
                case .in, .notIn: guard !values.isEmpty else { throw error(expression, "\(here): \(name) needs values") }
                case .exists, .doesNotExist: guard values.isEmpty else { throw error(expression, "\(here): \(name) takes no values") }
                }
                selector.matchExpressions.append(LabelSelector.Requirement(key: key, operator: op, values: values))
            }
        }
        return selector
    }

    func stringMap(_ node: Node?, _ path: String) throws(PolicyFileError) -> [String: String] {
        guard let node, node.null == nil else { return [:] }
        guard let mapping = node.mapping else { throw error(node, "\(path) must be a map of strings") }
        var result: [String: String] = [:]
        for (key, value) in mapping {
            guard let key = key.string, let value = value.string else { throw error(value, "\(path) must map strings to strings") }
            result[key] = value
        }
        return result
    }
}
