import Policy
import TrailFormat

/// `policy-check --reproduce`: the cluster's current policies against what Goldmane recorded.
/// For every observed flow and direction whose reporting end is a pod, the hit the model says
/// decides it (kind, tier, policy, rule, action) against the hit of the recorded enforced
/// trace. A disagreement means the files are not what the cluster enforces (drift), or the
/// model is wrong: either way a what-if over these files cannot be trusted until it is
/// understood. Staged policies are left out (they are not enforced); with them in place, the
/// model is compared with the pending trace as well.
package struct PolicyReproduction: Sendable, Encodable {
    package struct Disagreement: Sendable, Equatable, Encodable {
        package var flow: PolicyCheck.Flow
        package var direction: String
        package var recorded: String
        package var model: String
        package var trace: String
    }

    package struct Undecided: Sendable, Equatable, Encodable {
        package var flow: PolicyCheck.Flow
        package var direction: String
        package var reasons: [String]
    }

    /// Observed flow directions compared (rows: one per reporter), and the flows (15-second
    /// items) they stand for.
    package var compared = 0
    package var agreed = 0
    package var comparedFlows: Int64 = 0
    package var agreedFlows: Int64 = 0
    package var disagreements: [Disagreement] = []
    package var undecidable: [Undecided] = []
    /// Rows whose reporting end is not a pod (a host endpoint): no pod policy decided them.
    package var notPods = 0

    enum CodingKeys: String, CodingKey {
        case compared, agreed, disagreements, undecidable
        case comparedFlows = "compared_flows"
        case agreedFlows = "agreed_flows"
        case notPods = "not_pods"
    }

    package var agreement: Double { compared == 0 ? 1 : Double(agreed) / Double(compared) }
    package var allAgree: Bool { disagreements.isEmpty }

    /// The fields a reproduction compares.
    static func key(_ hit: PolicyDecision) -> [String] {
        [hit.kind, hit.tier, hit.policy, String(hit.rule), hit.action?.rawValue ?? ""]
    }

    package init(set: PolicySet, namespaces: NamespaceLabels, observations: [PolicyObservation], families: IPFamilies = .ipv4,
                 ports: NamedPorts = NamedPorts()) {
        let enforced = TieredEvaluator(policies: set.tiered.filter { !$0.isStaged }, tiers: set.tiers, namespaces: namespaces,
                                       families: families, ports: ports, networkSets: set.networkSets)
        let withStaged = set.staged.isEmpty ? nil
            : TieredEvaluator(policies: TieredEvaluator.enforcing(staged: set.tiered), tiers: set.tiers, namespaces: namespaces,
                              families: families, ports: ports, networkSets: set.networkSets)
        for observation in observations.sorted(by: Self.order) {
            let identity = observation.identity
            let direction = identity.reporter.direction
            let observed = ObservedFlow(rows: [observation])
            let flow = observed.policyFlow
            let end = direction == .egress ? flow.source : flow.destination
            guard case .pod(let namespace, let labels) = end else {
                notPods += 1
                continue
            }
            var pairs: [(trace: String, recorded: PolicyDecision, evaluator: TieredEvaluator)] = [("enforced", identity.enforced, enforced)]
            if let withStaged { pairs.append(("pending", identity.pending, withStaged)) }
            for (trace, recorded, evaluator) in pairs {
                compared += 1
                comparedFlows = EdgeTotals.add(comparedFlows, observation.flows)
                switch evaluator.decide(direction, namespace: namespace, labels: labels, flow: flow) {
                case .undecidable(let reasons):
                    undecidable.append(Undecided(flow: observed.summaryOfAll, direction: direction.rawValue, reasons: reasons))
                case .decided(let hit) where Self.key(hit) == Self.key(recorded):
                    agreed += 1
                    agreedFlows = EdgeTotals.add(agreedFlows, observation.flows)
                case .decided(let hit):
                    disagreements.append(Disagreement(flow: observed.summaryOfAll, direction: direction.rawValue, recorded: recorded.summary,
                                                      model: hit.summary, trace: trace))
                }
            }
        }
    }

    static func order(_ a: PolicyObservation, _ b: PolicyObservation) -> Bool {
        let (x, y) = (a.identity, b.identity)
        return (x.source, x.destination, x.dstPort, x.proto, x.reporter.rawValue) < (y.source, y.destination, y.dstPort, y.proto, y.reporter.rawValue)
    }
}

extension PolicyReproduction {
    /// For people: agreement, then every disagreement with both hits, then what could not be decided.
    package func markdown(from: Int64, to: Int64, policies: Int) -> String {
        let percent = String(format: "%.1f", agreement * 100)
        var lines = ["# policy-check --reproduce: \(policies) policies against Goldmane's recorded hits", "",
                     "Window \(UTCTime.rfc3339(from)) to \(UTCTime.rfc3339(to)).", "",
                     "**\(agreed) of \(compared) observed flow directions agree (\(percent) %)**, \(agreedFlows) of \(comparedFlows) flows; "
                         + "\(disagreements.count) disagree; \(undecidable.count) cannot be decided from flow data; \(notPods) reported by an end that is not a pod.", ""]
        if !disagreements.isEmpty {
            lines += ["## Disagreements", "", "The files differ from what the cluster enforces, or the model is wrong: find out which before trusting a what-if.", "",
                      "| source | destination | port | direction | trace | recorded | the files give |", "|---|---|---|---|---|---|---|"]
            lines += disagreements.map { line in
                "| \(MarkdownText.cell(line.flow.source)) | \(MarkdownText.cell(line.flow.destination)) | \(line.flow.port)/\(line.flow.proto) | \(line.direction) | \(line.trace) | \(MarkdownText.cell(line.recorded)) | \(MarkdownText.cell(line.model)) |"
            }
            lines.append("")
        }
        if !undecidable.isEmpty {
            lines += ["## Undecidable", "", "| source | destination | port | direction | why |", "|---|---|---|---|---|"]
            lines += undecidable.map { line in
                "| \(MarkdownText.cell(line.flow.source)) | \(MarkdownText.cell(line.flow.destination)) | \(line.flow.port)/\(line.flow.proto) | \(line.direction) | \(MarkdownText.cell(line.reasons.joined(separator: "; "))) |"
            }
            lines.append("")
        }
        return lines.joined(separator: "\n")
    }
}
