import TrailFormat

extension EgressReport {
    /// The report for people: one section per namespace, with how far to trust each list.
    package func markdown() -> String {
        var out: [String] = ["# Wave-1 egress report", ""]
        let span = coverage.end - coverage.start
        if namespaces.isEmpty {
            out.append("No egress in the database yet: run the etl first, or check `--namespace`.")
            return out.joined(separator: "\n") + "\n"
        }
        out.append("Data from \(WindowCoverage.time(coverage.start)) to \(WindowCoverage.time(coverage.end)) (\(WindowCoverage.duration(span))). "
                   + "Coverage: \(coverage.statement(clusterNames: coverage.capturedSeconds.count > 1)).")
        out.append("")
        out.append("An edge exists only if it was observed: treat a list as complete after \(Self.daysToTrust) days of data "
                   + "with no coverage gaps. Destinations seen only once (one 15-second bucket) are marked *once*: a weekly "
                   + "or monthly job may not have run yet, and the next run may add to the list.")
        for namespace in namespaces {
            out.append("")
            out.append("## \(MarkdownText.code(namespace.name))")
            out.append("")
            var trust = "Observed \(WindowCoverage.time(namespace.firstSeen)) to \(WindowCoverage.time(namespace.lastSeen)), on \(namespace.daysObserved) day\(namespace.daysObserved == 1 ? "" : "s")"
            if namespace.daysObserved < Self.daysToTrust { trust += " (fewer than \(Self.daysToTrust): not yet complete)" }
            trust += "; \(namespace.seenOnce) destination\(namespace.seenOnce == 1 ? "" : "s") seen once."
            out.append(trust)
            out.append("")
            let observed = namespace.dnsObserved.isEmpty ? "not observed" : "observed over \(namespace.dnsObserved.joined(separator: " and "))"
            out.append("Baseline: kube-dns (`kube-system`) on 53/UDP and 53/TCP, \(observed).")
            out.append(contentsOf: table("In-cluster destinations (allow)", "namespace", namespace.inCluster))
            out.append(contentsOf: table("Internet and networks outside the cluster (allow)", "destination", namespace.internet))
            out.append(contentsOf: table("Hosts (allow)", "host", namespace.hosts))
            out.append(contentsOf: table("Denied: investigate before tightening", "destination", namespace.denied))
        }
        out.append(contentsOf: stagedSection())
        return out.joined(separator: "\n") + "\n"
    }

    private func table(_ title: String, _ column: String, _ destinations: [Destination]) -> [String] {
        var lines = ["", "### \(title)", ""]
        if destinations.isEmpty { return lines + ["None observed."] }
        lines.append("| \(column) | port | flows | days | first seen | last seen | | decided by |")
        lines.append("|---|---|---:|---:|---|---|---|---|")
        for destination in destinations {
            let kind = destination.kind == .namespace || destination.kind == .endpoint(.network) ? "" : " (\(destination.kind.text))"
            lines.append("| \(MarkdownText.code(destination.name))\(kind) | \(destination.port)/\(destination.proto.uppercased()) | \(destination.flows) | \(destination.days) | "
                         + "\(WindowCoverage.time(destination.firstSeen)) | \(WindowCoverage.time(destination.lastSeen)) | \(destination.seenOnce ? "*once*" : "") | "
                         + "\(MarkdownText.cell(destination.decidedBy.joined(separator: "; "))) |")
        }
        return lines
    }

    /// Staged policies: what each would change if enforced, from the pending traces alone.
    private func stagedSection() -> [String] {
        var lines = ["", "## Staged policies", ""]
        guard !staged.isEmpty else {
            return lines + ["No staged policy would change the verdict of a flow in this report."]
        }
        lines.append("From the pending (staged) traces alone: what enforcing each staged policy would change.")
        for impact in staged {
            lines += ["", "### \(MarkdownText.code(impact.policy)) (\(impact.kind))", "", MarkdownText.cell(impact.sentence) + ".", ""]
            lines.append("| would | source | destination | port | flows |")
            lines.append("|---|---|---|---|---:|")
            for (verb, flows) in [(FlowAction.deny, impact.wouldDeny), (.allow, impact.wouldAllow)] {
                for flow in flows {
                    lines.append("| \(verb.rawValue) | \(MarkdownText.code(flow.source)) | \(MarkdownText.code(flow.destination)) | \(flow.port)/\(flow.proto.uppercased()) | \(flow.flows) |")
                }
            }
        }
        return lines
    }
}
