import Testing
import TrailFormat
@testable import Report

/// The report logic that needs no database: coverage arithmetic, Slack's limits and escaping,
/// Markdown code spans, Kubernetes names, and the window diff.
@Suite struct ReportUnitTests {
    @Test func coverageStatesHolesWithTheReasonsCaptureRecorded() {
        let ranges = [
            CoverageRange(cluster: "c", start: 100, end: 200, captured: true, reason: ""),
            CoverageRange(cluster: "c", start: 200, end: 260, captured: false, reason: "goldmane unreachable"),
            CoverageRange(cluster: "c", start: 260, end: 400, captured: true, reason: ""),
            CoverageRange(cluster: "c", start: 150, end: 300, captured: true, reason: ""),
        ]
        let coverage = WindowCoverage(start: 0, end: 500, clusters: ["c"], ranges: ranges)
        #expect(coverage.capturedSeconds == ["c": 300])
        #expect(coverage.gaps == [
            WindowCoverage.Gap(cluster: "c", start: 0, end: 100, reason: WindowCoverage.nothingLoaded),
            WindowCoverage.Gap(cluster: "c", start: 400, end: 500, reason: WindowCoverage.nothingLoaded),
        ])
        let holed = WindowCoverage(start: 100, end: 400, clusters: ["c"], ranges: [ranges[0], ranges[1], ranges[2]])
        #expect(holed.gaps == [WindowCoverage.Gap(cluster: "c", start: 200, end: 260, reason: "goldmane unreachable")])
        #expect(WindowCoverage(start: 100, end: 200, clusters: ["c"], ranges: ranges).isComplete)
        #expect(WindowCoverage(start: 0, end: 10, clusters: [], ranges: []).gaps.count == 1)
    }

    @Test(arguments: [(Int64(86_400), "24h"), (5400, "1h30m"), (604_800, "7d"), (172_800, "2d"), (45, "45s"), (0, "0s")])
    func durationsReadAsOperatorsWriteThem(seconds: Int64, text: String) {
        #expect(WindowCoverage.duration(seconds) == text)
    }

    @Test func mrkdwnEscapesControlCharactersAndNamesAreInert() {
        #expect(SlackMrkdwn.escape("<!channel> & <@U1>") == "&lt;!channel&gt; &amp; &lt;@U1&gt;")
        #expect(SlackMrkdwn.code("*bold*") == "`*bold*`")
        #expect(SlackMrkdwn.code("a`b") == "`a\u{02CB}b`")
        #expect(SlackMrkdwn.code("line\nbreak") == "`line\\u{a}break`")
        #expect(SlackMrkdwn.code("") == "`(empty)`")
    }

    @Test func digestStaysWithinSlackLimitsAndCountsWhatItLeavesOut() {
        let long = String(repeating: "x", count: 290) + "名前"
        var edges: [EdgeRow] = []
        for index in 0..<1000 {
            let destination = index % 7 == 0 ? "<!here>" : "dbaas"
            let action: FlowAction = index % 10 == 0 ? .deny : .allow
            let totals = EdgeTotals(firstSeen: 1000 + Int64(index), lastSeen: 2000, flowCount: Int64(index + 1), connections: 0,
                                    packetsIn: 0, packetsOut: 0, bytesIn: 0, bytesOut: 0)
            edges.append(EdgeRow(srcNs: long + "-" + String(index), dstNs: destination, action: action, totals: totals))
        }
        let digest = Digest(windowStart: 0, windowEnd: 86_400, edges: edges,
                            coverage: WindowCoverage(start: 0, end: 86_400, clusters: ["c"], ranges: []))
        for maxEdges in [10, 1000] {
            let message = DigestMessage(maxEdges: maxEdges).render(digest)
            #expect(message.blocks.count <= DigestMessage.blockLimit)
            var listed = 0
            var more = 0
            for block in message.blocks {
                switch block {
                case .section(let text):
                    #expect(SlackMrkdwn.length(text) <= DigestMessage.sectionLimit)
                    #expect(!text.contains("<!here>"))
                    listed += text.split(separator: "\n").filter { $0.hasPrefix("• ") }.count
                case .context(let text):
                    if let range = text.range(of: "…and ") {
                        more = Int(text[range.upperBound...].prefix { $0.isNumber }) ?? -1
                    }
                case .header(let text): #expect(text == "1000 new edges in last 24h")
                case .divider: break
                }
            }
            #expect(listed + more == 1000)
            #expect(listed <= maxEdges)
            #expect(listed > 0)
        }
        let first = DigestMessage(maxEdges: 3).render(digest)
        guard case .section(let denied) = first.blocks[3] else { Issue.record("no denied section"); return }
        #expect(denied.hasPrefix("*Denied* (100)"))
    }

    @Test func markdownCodeSpansSurviveBackticksAndPipes() {
        #expect(MarkdownText.code("plain") == "`plain`")
        #expect(MarkdownText.code("a|b") == "`a\\|b`")
        #expect(MarkdownText.code("a`b``c") == "```a`b``c```")
        #expect(MarkdownText.code("`edge") == "`` `edge ``")
    }

    @Test(arguments: [("dbaas", true), ("kube-system", true), ("a", true), ("-a", false), ("a-", false), ("A", false),
                      ("<!channel>", false), ("", false), (String(repeating: "a", count: 64), false), ("名前", false)])
    func onlyDNSLabelsGetPolicies(name: String, valid: Bool) {
        #expect(NetworkPolicyWriter.isNamespaceName(name) == valid)
    }

    @Test func diffSeparatesNewGoneAndChangedVerdicts() throws {
        let before = [NamespacePair(source: "a", destination: "b", action: .allow), NamespacePair(source: "a", destination: "c", action: .allow),
                      NamespacePair(source: "x", destination: "y", action: .allow)]
        let after = [NamespacePair(source: "a", destination: "b", action: .allow), NamespacePair(source: "a", destination: "c", action: .deny),
                     NamespacePair(source: "n", destination: "m", action: .allow)]
        let diff = WindowDiff(from: try WindowDiff.Window(parsing: "2026-11-01/2026-11-07"), to: try WindowDiff.Window(parsing: "2026-11-08"),
                              before: before, after: after)
        #expect(diff.new == [NamespacePair(source: "n", destination: "m", action: .allow)])
        #expect(diff.gone == [NamespacePair(source: "x", destination: "y", action: .allow)])
        #expect(diff.changed == [WindowDiff.Change(source: "a", destination: "c", before: ["allow"], after: ["deny"])])
        #expect(throws: ReportError.self) { try WindowDiff.Window(parsing: "2026-11-08/2026-11-01") }
        #expect(throws: ReportError.self) { try WindowDiff.Window(parsing: "2026-11-8") }
    }

    @Test func policiesNeverCarryAnEmptyPortListOrAnEscapedComment() {
        func row(_ destination: String, _ port: Int64, _ proto: String) -> WideEdgeRow {
            let totals = EdgeTotals(firstSeen: 0, lastSeen: 15, flowCount: 2, connections: 1, packetsIn: 1, packetsOut: 1, bytesIn: 1, bytesOut: 1)
            return WideEdgeRow(srcType: .workload, srcNs: "app", srcIdentity: "app", srcWorkload: "app", dstType: .workload, dstNs: destination,
                               dstIdentity: destination, dstWorkload: destination, dstService: "-", dstPort: port, proto: proto,
                               action: .allow, reporter: .src, totals: totals, days: ["2026-11-27"])
        }
        let report = EgressReport(rows: [row("db", 5432, "tcp"), row("db", 0, "icmp"), row("cache", 0, "icmp"), row("cache", 7, "x\ny")],
                                  coverage: WindowCoverage(start: 0, end: 15, clusters: ["c"], ranges: []))
        let (policies, skipped) = NetworkPolicyWriter.policies(for: report)
        #expect(skipped.isEmpty)
        let yaml = policies[0].yaml
        #expect(yaml.contains("kubernetes.io/metadata.name: \"db\""))
        #expect(!yaml.contains("\"cache\""))
        #expect(yaml.contains("# Note: ICMP traffic on port 0 cannot be expressed in a NetworkPolicy and is not allowed."))
        #expect(yaml.contains("# Note: a protocol traffic on port 7 cannot be expressed"))
        let lines = yaml.split(separator: "\n", omittingEmptySubsequences: false)
        for (index, line) in lines.enumerated() where line == "      ports:" {
            #expect(lines[index + 1].hasPrefix("        - protocol: "))
        }
        #expect(lines.allSatisfy { !$0.hasPrefix("# ") || !$0.contains("\n") })
        #expect(NetworkPolicyWriter.quote("a\"b\\\n\u{85}") == #""a\"b\\\u000a\u0085""#)
    }
}
