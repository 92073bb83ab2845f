import TrailFormat
import Yams

/// Every policy object in a set of files, as `kubectl get -o yaml` or a Git repository holds
/// them: Kubernetes NetworkPolicies, Calico's NetworkPolicy, GlobalNetworkPolicy and Tier
/// (projectcalico.org/v3), and the staged kinds; in single documents, multi-document files,
/// `kind: List`, and typed lists (`NetworkPolicyList`, ...) whose items carry no kind or
/// apiVersion (the API server's form: the list's kind and apiVersion stand for them). Objects
/// of other kinds are named as skipped, never silently.
package struct PolicySet: Sendable {
    package var kubernetes: [NetworkPolicy] = []
    /// Calico's kinds and the staged kinds (Kubernetes NetworkPolicies are in `kubernetes`).
    package var calico: [TieredPolicy] = []
    package var tiers: [Tier] = []
    /// GlobalNetworkSets (by name) and NetworkSets (by `namespace/name`): their nets, so that
    /// rules' `nets` can be decided against a flow whose end is one of them.
    package var networkSets: [String: [String]] = [:]
    /// Objects of kinds that hold no policy this evaluates: "file:line: Kind name".
    package var skipped: [String] = []

    package init() {}

    /// Every policy, Kubernetes' as Calico converts them, with the staged ones (`TieredEvaluator.enforcing`
    /// puts them in place).
    package var tiered: [TieredPolicy] { kubernetes.map { TieredPolicy(kubernetes: $0) } + calico }

    /// Whether anything beyond Kubernetes NetworkPolicies is in the set.
    package var hasCalico: Bool { !calico.isEmpty || !tiers.isEmpty }

    package var staged: [TieredPolicy] { calico.filter(\.isStaged) }
}

extension PolicyFiles {
    static let calicoKinds: [String: PolicyKind] = [
        "NetworkPolicy": .calicoNetworkPolicy, "GlobalNetworkPolicy": .globalNetworkPolicy,
        "StagedNetworkPolicy": .stagedNetworkPolicy, "StagedGlobalNetworkPolicy": .stagedGlobalNetworkPolicy,
    ]

    /// Reads every policy kind in `paths` (files, or directories of `*.yaml`/`*.yml`).
    package static func loadSet(_ paths: [String]) throws(PolicyFileError) -> PolicySet {
        var set = PolicySet()
        var seen: [String: String] = [:]
        func once(_ key: String, _ origin: NetworkPolicy.Origin?, file: String) throws(PolicyFileError) {
            if let first = seen[key] {
                throw PolicyFileError(file: file, line: origin?.line, "\(key) is also defined at \(first): one object per kind, namespace and name")
            }
            seen[key] = origin?.description ?? file
        }
        for file in try expand(paths) {
            let decoder = PolicyDecoder(file: file)
            for document in try documents(file) {
                for object in typedObjects(in: document) {
                    let kind = object["kind"]?.string ?? ""
                    let apiVersion = object["apiVersion"]?.string ?? ""
                    let name = object["metadata"]?["name"]?.string ?? "(no name)"
                    switch (apiVersion, kind) {
                    case ("networking.k8s.io/v1", "NetworkPolicy"):
                        let policy = try decoder.policy(object)
                        try once("NetworkPolicy \(policy.id)", policy.origin, file: file)
                        set.kubernetes.append(policy)
                    case (PolicyDecoder.calicoVersion, "Tier"):
                        let tier = try decoder.tier(object)
                        try once("Tier \(tier.name)", tier.origin, file: file)
                        set.tiers.append(tier)
                    case (PolicyDecoder.calicoVersion, "GlobalNetworkSet"), (PolicyDecoder.calicoVersion, "NetworkSet"):
                        let (key, nets) = try decoder.networkSet(object, namespaced: kind == "NetworkSet")
                        try once("\(kind) \(key)", NetworkPolicy.Origin(file: file, line: object.mark?.line ?? 0), file: file)
                        set.networkSets[key] = nets
                    case (PolicyDecoder.calicoVersion, "StagedKubernetesNetworkPolicy"):
                        let policy = try decoder.stagedKubernetesPolicy(object)
                        try once("\(kind) \(policy.qualifiedName)", policy.origin, file: file)
                        set.calico.append(policy)
                    case (PolicyDecoder.calicoVersion, _) where calicoKinds[kind] != nil:
                        let policy = try decoder.calicoPolicy(object, kind: calicoKinds[kind]!)
                        try once("\(kind) \(policy.qualifiedName)", policy.origin, file: file)
                        set.calico.append(policy)
                    case (_, "NetworkPolicy"), (_, "Tier"), (_, "GlobalNetworkPolicy"), (_, "StagedNetworkPolicy"),
                         (_, "StagedGlobalNetworkPolicy"), (_, "StagedKubernetesNetworkPolicy"):
                        throw decoder.error(object, "a \(kind) with apiVersion \(apiVersion.isEmpty ? "missing" : apiVersion): expected \(kind == "NetworkPolicy" ? "networking.k8s.io/v1 or " : "")\(PolicyDecoder.calicoVersion)")
                    default:
                        set.skipped.append("\(file):\(object.mark?.line ?? 0): \(kind.isEmpty ? "an object without a kind" : kind) \(name)")
                    }
                }
            }
        }
        return set
    }

    /// The objects of a document: itself, or the items of a List; the items of a typed list
    /// (`NetworkPolicyList`) take its kind and apiVersion when they carry none.
    static func typedObjects(in document: Node) -> [Node] {
        guard let listKind = document["kind"]?.string, listKind.hasSuffix("List") else { return [document] }
        let itemKind = listKind == "List" ? nil : String(listKind.dropLast(4))
        let apiVersion = document["apiVersion"]?.string
        return (document["items"]?.sequence.map { Array($0) } ?? []).map { item in
            var item = item
            if item["kind"] == nil, let itemKind { item["kind"] = Node(itemKind) }
            if item["apiVersion"] == nil, let apiVersion, itemKind != nil { item["apiVersion"] = Node(apiVersion) }
            return item
        }
    }

    /// The pods of `kubectl get pods -A -o yaml`: their namespace, labels and named container ports.
    package static func pods(_ file: String) throws(PolicyFileError) -> NamedPorts {
        var pods: [String: [NamedPorts.Pod]] = [:]
        for document in try documents(file) {
            for object in typedObjects(in: document) where object["kind"]?.string == "Pod" {
                let decoder = PolicyDecoder(file: file)
                guard let name = object["metadata"]?["name"]?.string, let namespace = object["metadata"]?["namespace"]?.string else {
                    throw decoder.error(object, "a Pod without metadata.name and metadata.namespace")
                }
                var ports: [String: [NamedPorts.ContainerPort]] = [:]
                for container in (object["spec"]?["containers"]?.sequence.map { Array($0) } ?? [])
                    + (object["spec"]?["initContainers"]?.sequence.map { Array($0) } ?? []) {
                    for port in container["ports"]?.sequence.map({ Array($0) }) ?? [] {
                        guard let portName = port["name"]?.string, let number = port["containerPort"]?.int else { continue }
                        ports[portName, default: []].append(NamedPorts.ContainerPort(protocol: (port["protocol"]?.string ?? "TCP").lowercased(), number: number))
                    }
                }
                pods[namespace, default: []].append(NamedPorts.Pod(name: name, labels: try decoder.stringMap(object["metadata"]?["labels"], "metadata.labels"),
                                                                   ports: ports))
            }
        }
        return NamedPorts(pods: pods)
    }
}
