import Policy
import TrailFormat

/// The observations of one distinct flow (its ends with their labels, port and protocol):
/// every reporter's rows, each with its verdict and enforced decision.
struct ObservedFlow {
    var rows: [PolicyObservation]

    struct Key: Hashable {
        var srcType: EndpointType
        var srcNs, srcWorkload: String
        var srcLabels: [String]
        var dstType: EndpointType
        var dstNs, dstWorkload: String
        var dstLabels: [String]
        var port: Int64
        var proto: String
    }

    /// The distinct flows observed as allowed, sorted by source, destination, port, protocol, labels.
    static func group(_ observations: [PolicyObservation]) -> [ObservedFlow] {
        let grouped = Dictionary(grouping: observations) { observation in
            let id = observation.identity
            return Key(srcType: id.srcType, srcNs: id.srcNs, srcWorkload: id.srcWorkload, srcLabels: id.srcLabels, dstType: id.dstType,
                       dstNs: id.dstNs, dstWorkload: id.dstWorkload, dstLabels: id.dstLabels, port: id.dstPort, proto: id.proto)
        }
        return grouped.values.map { ObservedFlow(rows: $0) }.filter(\.wasAllowed).sorted {
            let (a, b) = ($0.rows[0].identity, $1.rows[0].identity)
            return (a.source, a.destination, a.dstPort, a.proto, a.srcLabels.joined(separator: ","), a.dstLabels.joined(separator: ","))
                < (b.source, b.destination, b.dstPort, b.proto, b.srcLabels.joined(separator: ","), b.dstLabels.joined(separator: ","))
        }
    }

    /// Every reporter that saw the flow saw it allowed at least once.
    var wasAllowed: Bool {
        Dictionary(grouping: rows, by: \.identity.reporter).values.allSatisfy { $0.contains { $0.identity.action == .allow } }
    }

    private var allowedRows: [PolicyObservation] { rows.filter { $0.identity.action == .allow } }

    var allowedDays: Set<String> { Set(allowedRows.flatMap(\.days)) }

    var summary: PolicyCheck.Flow {
        let allowed = allowedRows
        let perReporter = Dictionary(grouping: allowed, by: \.identity.reporter).mapValues { $0.reduce(0) { EdgeTotals.add($0, $1.flows) } }
        let first = rows[0].identity
        return PolicyCheck.Flow(source: first.source, destination: first.destination, port: first.dstPort, proto: first.proto,
                                flows: perReporter.values.max() ?? 0, days: allowedDays.count,
                                lastSeen: allowed.map(\.lastSeen).max() ?? 0)
    }

    /// The flow as a line, counting every row (allowed or not).
    var summaryOfAll: PolicyCheck.Flow {
        let first = rows[0].identity
        return PolicyCheck.Flow(source: first.source, destination: first.destination, port: first.dstPort, proto: first.proto,
                                flows: rows.reduce(0) { EdgeTotals.add($0, $1.flows) }, days: Set(rows.flatMap(\.days)).count,
                                lastSeen: rows.map(\.lastSeen).max() ?? 0)
    }

    var policyFlow: PolicyFlow {
        let first = rows[0].identity
        return PolicyFlow(source: Self.endpoint(first.srcType, first.srcNs, first.srcWorkload, first.srcLabels),
                          destination: Self.endpoint(first.dstType, first.dstNs, first.dstWorkload, first.dstLabels),
                          port: Int(clamping: first.dstPort), protocol: first.proto)
    }

    /// What decided the allowed rows today, per side.
    var enforcedDecisions: [String] {
        Array(Set(allowedRows.map { "\($0.identity.reporter.direction.rawValue): " + $0.identity.enforced.summary })).sorted()
    }

    /// The decisions of a tier above Kubernetes' for one direction (egress: as the source
    /// reported it; ingress: as the destination did), when every allowed row of that reporter
    /// was decided there; empty otherwise.
    func decidedAbove(_ direction: PolicyDirection, tiersAfterDefault: Set<String>) -> [String] {
        let mine = allowedRows.filter { $0.identity.reporter == Reporter(reporting: direction) }
        guard !mine.isEmpty, mine.allSatisfy({ $0.identity.enforced.isDecidedAboveKubernetes(tiersAfterDefault: tiersAfterDefault) }) else { return [] }
        return Array(Set(mine.map { "\(direction.rawValue): \($0.identity.enforced.summary)" })).sorted()
    }

    /// For a pod's flow to itself (the same workload at both ends): what applies to it.
    func selfNote(calico: Bool) -> [String] {
        let first = rows[0].identity
        guard first.srcType == .workload, first.dstType == .workload, first.source == first.destination else { return [] }
        return [calico
            ? "note: a pod's flow to itself: Calico applies policy to it when it goes through a Service (hairpin); directly, Kubernetes never blocks it"
            : "note: a pod's flow to itself: Kubernetes never blocks a pod's traffic to itself, unless it goes through a Service (Calico then applies policy to the hairpin)"]
    }

    /// A pod with its labels (`k=v`; Goldmane gives none for some ends: then no labels), or
    /// another kind of end by name.
    static func endpoint(_ type: EndpointType, _ namespace: String, _ workload: String, _ labels: [String]) -> FlowEndpoint {
        guard type == .workload else {
            return .other(kind: type, name: workload, namespace: namespace == "-" || namespace.isEmpty ? nil : namespace, labels: labelMap(labels))
        }
        return .pod(namespace: namespace, labels: labelMap(labels))
    }

    /// `k=v` texts as a map (a text without `=` is a key with an empty value).
    static func labelMap(_ labels: [String]) -> [String: String] {
        var map: [String: String] = [:]
        for label in labels {
            if let equals = label.firstIndex(of: "=") {
                map[String(label[..<equals])] = String(label[label.index(after: equals)...])
            } else {
                map[label] = ""
            }
        }
        return map
    }
}
