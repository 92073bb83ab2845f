/// Named container ports of the cluster's pods (`kubectl get pods -A -o yaml`), so that a
/// rule's named port can be decided: the destination pods of a flow are those of its namespace
/// whose labels include every label Goldmane recorded for the destination (Goldmane's labels of
/// an aggregated workload are its pods'); when all of them name the port with the flow's
/// protocol and number, the rule's port matches; when none has it, or they disagree, it does
/// not or is unknown.
package struct NamedPorts: Sendable, Equatable {
    package struct Pod: Sendable, Equatable {
        package var name: String
        package var labels: [String: String]
        /// Port name to (protocol in lowercase, number).
        package var ports: [String: [ContainerPort]]

        package init(name: String, labels: [String: String], ports: [String: [ContainerPort]]) {
            self.name = name
            self.labels = labels
            self.ports = ports
        }
    }

    package struct ContainerPort: Sendable, Equatable {
        package var `protocol`: String
        package var number: Int
        package init(protocol: String, number: Int) {
            self.protocol = `protocol`
            self.number = number
        }
    }

    /// Pods by namespace; nil when no pods were given (named ports stay undecidable).
    package var pods: [String: [Pod]]?

    package init(pods: [String: [Pod]]? = nil) {
        self.pods = pods
    }

    /// Whether port `name` of the flow's destination pods is the flow's port.
    func resolve(_ name: String, at flow: PolicyFlow) -> PolicyEvaluator.Match {
        guard let pods else {
            return .unknown("named port \"\(name)\": flow data carries port numbers, not the pods' port names (give the pods with --pods)")
        }
        guard case .pod(let namespace, let labels) = flow.destination, !labels.isEmpty else {
            return .unknown("named port \"\(name)\": Goldmane gave no labels to find the destination pods by")
        }
        let candidates = (pods[namespace] ?? []).filter { pod in labels.allSatisfy { pod.labels[$0.key] == $0.value } }
        guard !candidates.isEmpty else {
            return .unknown("named port \"\(name)\": no pod of \(namespace) in --pods has the destination's labels")
        }
        let answers = Set(candidates.map { pod in
            (pod.ports[name] ?? []).contains { $0.protocol == flow.protocol.lowercased() && $0.number == flow.port }
        })
        if answers == [true] { return .yes }
        if answers == [false] { return .no }
        return .unknown("named port \"\(name)\": the destination pods of \(namespace) (\(candidates.map(\.name).sorted().joined(separator: ", "))) disagree on its number")
    }
}
