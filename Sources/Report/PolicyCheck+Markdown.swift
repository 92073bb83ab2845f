import Foundation
import TrailFormat

extension PolicyCheck {
    /// The check for people: what would be blocked first, then what the policies cannot
    /// change, what flow data cannot decide, and the rules nothing used.
    package func markdown() -> String {
        var out = ["# Policy check", ""]
        let what = calicoOrder ? "\(policies) polic\(policies == 1 ? "y" : "ies") (Calico's and Kubernetes', in Calico's tier order)"
            : "\(policies) NetworkPolic\(policies == 1 ? "y" : "ies")"
        out.append("\(what) against the \(evaluated) distinct flows (ends with their labels) observed as allowed "
                   + "from \(WindowCoverage.time(from)) to \(WindowCoverage.time(to)) (whole UTC days).")
        if let coverage {
            out += ["", "Coverage: \(coverage.statement(clusterNames: coverage.capturedSeconds.count > 1))."]
        }
        if calicoOrder {
            out += ["", "pub and pvt are taken to be IPv\(ipFamilies.replacingOccurrences(of: ",", with: " and IPv")) (`--ip-families`). "
                    + "Only the tiers and policies in the files are evaluated: give the cluster's whole set with your change "
                    + "(`policy-check --reproduce` checks that set against what Goldmane recorded). Staged policies are evaluated in place of the enforced ones."]
            out += section("Would be blocked", empty: "None: every flow observed as allowed stays allowed.", column: "would be decided by; decided today by",
                           blocked.map { ($0.flow, $0.isolatedBy + $0.decidedToday.map { "today " + $0 }) })
        } else {
            out += ["", "pub and pvt are taken to be IPv\(ipFamilies.replacingOccurrences(of: ",", with: " and IPv")) (`--ip-families`); "
                    + "Calico tiers other than default are taken to come before it, except \(tiersAfterDefault.map(MarkdownText.code).joined(separator: ", ")) "
                    + "(`--tiers-after-default`)."]
            out += section("Would be blocked", empty: "None: every flow observed as allowed stays allowed.", column: "isolated by; decided today by",
                           blocked.map { ($0.flow, $0.isolatedBy + $0.decidedToday.map { "today " + $0 }) })
            out += section("Decided by a Calico tier above the Kubernetes policies: not counted", column: "decided by",
                           intro: "The policies would isolate these, but the archived trace shows a tier evaluated before theirs decided them: the new policies cannot change that.",
                           decidedAbove.map { ($0.flow, $0.decidedBy) })
        }
        out += section("Undecidable from flow data", column: "why", undecidable.map { ($0.flow, $0.reasons) })
        out += ["", "## Rules that matched no observed flow (\(unusedRules.count))", ""]
        if unusedRules.isEmpty {
            out.append("None.")
        } else {
            out += ["Candidates to remove, or traffic not seen in the window (a weekly job?):", ""]
            for rule in unusedRules {
                out.append("- \(MarkdownText.code(rule.rule))" + (rule.origin.isEmpty ? "" : " (\(MarkdownText.code(rule.origin)))"))
            }
        }
        out += ["", "## Summary", ""]
        out.append("\(evaluated) distinct flows: \(allowed) stay allowed, \(counts.blocked) would be blocked (\(blocked.count) lines above), "
                   + "\(counts.decidedAbove) decided by a higher tier, \(counts.undecidable) undecidable; "
                   + "\(unusedRules.count) rule\(unusedRules.count == 1 ? "" : "s") matched nothing.")
        return out.joined(separator: "\n") + "\n"
    }

    /// One section: a table of flows with a last column of explanations.
    private func section(_ title: String, empty: String = "None.", column: String, intro: String? = nil, _ rows: [(Flow, [String])]) -> [String] {
        var lines = ["", "## \(title) (\(rows.count))", ""]
        guard !rows.isEmpty else { return lines + [empty] }
        if let intro { lines += [intro, ""] }
        lines.append("| source | destination | port | flows | days | last seen | \(column) |")
        lines.append("|---|---|---|---:|---:|---|---|")
        for (flow, notes) in rows {
            lines.append("| \(MarkdownText.code(flow.source)) | \(MarkdownText.code(flow.destination)) | \(flow.port)/\(flow.proto.uppercased()) | "
                         + "\(flow.flows) | \(flow.days) | \(WindowCoverage.time(flow.lastSeen)) | \(MarkdownText.cell(notes.joined(separator: "; "))) |")
        }
        return lines
    }
}
