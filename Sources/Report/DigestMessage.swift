import TrailFormat

/// Renders a digest as a Slack message within Slack's limits: a header block of at most 150
/// characters, section texts of at most 3,000, at most 50 blocks. Lists longer than
/// `maxEdges`, or than those limits allow, end with "…and N more".
package struct DigestMessage {
    package static let sectionLimit = 3000
    package static let blockLimit = 50
    package static let headerLimit = 150

    package var maxEdges: Int
    package var channel: String?
    package var clusterLabel: String

    package init(maxEdges: Int = 50, channel: String? = nil, clusterLabel: String = "") {
        self.maxEdges = maxEdges
        self.channel = channel
        self.clusterLabel = clusterLabel
    }

    package func render(_ digest: Digest) -> SlackMessage {
        let headline = digest.headline
        var blocks: [SlackBlock] = [.header(String(headline.prefix(Self.headerLimit)))]
        let cluster = clusterLabel.isEmpty ? "" : "\(SlackMrkdwn.code(clusterLabel)) · "
        blocks.append(.context("\(cluster)window \(WindowCoverage.time(digest.windowStart)) to \(WindowCoverage.time(digest.windowEnd)) · \(digest.denied.count) denied, \(digest.others.count) allowed"))
        let coverageText = digest.coverage.isComplete
            ? "Coverage: complete."
            : ":warning: Coverage: " + SlackMrkdwn.escape(digest.coverage.statement(clusterNames: digest.coverage.capturedSeconds.count > 1)) + "."
        blocks.append(.section(Self.clip(coverageText)))

        // Room left: keep blocks for the staged policies, the "more" line and a spare.
        var listed = 0
        var omitted = 0
        // Edges of several clusters: each line names its cluster.
        let namesCluster = Set(digest.edges.map(\.cluster)).count > 1
        for (title, edges) in [("Denied", digest.denied), ("Allowed", digest.others)] where !edges.isEmpty {
            var lines: [String] = []
            var pending = "*\(title)* (\(edges.count))"
            for edge in edges {
                let verdict = title == "Allowed" && edge.action != .allow ? " (\(SlackMrkdwn.escape(edge.action.rawValue)))" : ""
                let line = "• " + (namesCluster ? "\(SlackMrkdwn.code(edge.cluster)) " : "") + "\(SlackMrkdwn.code(edge.srcNs)) → \(SlackMrkdwn.code(edge.dstNs))"
                    + verdict
                    + "  first seen \(WindowCoverage.time(edge.firstSeen)), \(edge.flowCount) flow\(edge.flowCount == 1 ? "" : "s")"
                guard listed < maxEdges, blocks.count + lines.count + 1 < Self.blockLimit - 3,
                      SlackMrkdwn.length(line) < Self.sectionLimit else {
                    omitted += 1
                    continue
                }
                if SlackMrkdwn.length(pending) + 1 + SlackMrkdwn.length(line) > Self.sectionLimit {
                    lines.append(pending)
                    pending = line
                } else {
                    pending += "\n" + line
                }
                listed += 1
            }
            lines.append(pending)
            blocks.append(contentsOf: lines.map(SlackBlock.section))
        }
        if !digest.staged.isEmpty {
            // One line per staged policy: what enforcing it would change, from the pending traces.
            let lines = digest.staged.map { "• " + SlackMrkdwn.escape($0.sentence) }
            let days = PolicyCheck.days(from: digest.windowStart, to: digest.windowEnd)
            let span = "UTC days \(UTCTime.date(day: days.from / 86_400)) to \(UTCTime.date(day: days.to / 86_400 - 1))"
            blocks.append(.section(Self.clip("*Staged policies* (\(digest.staged.count), flows of \(span))\n" + lines.joined(separator: "\n"))))
        }
        if omitted > 0 {
            blocks.append(.context("…and \(omitted) more. All of them: `goldmane-trail query new --since \(UTCTime.rfc3339(digest.windowStart))`"))
        }
        let summary = "\(headline): \(digest.denied.count) denied, \(digest.others.count) allowed"
            + (digest.coverage.isComplete ? "" : " (coverage incomplete)")
        return SlackMessage(channel: channel, text: summary, blocks: blocks)
    }

    static func clip(_ text: String) -> String {
        guard SlackMrkdwn.length(text) > sectionLimit else { return text }
        var kept = ""
        for character in text {
            if SlackMrkdwn.length(kept) + character.utf16.count > sectionLimit - 2 { break }
            kept.append(character)
        }
        return kept + " …"
    }
}
