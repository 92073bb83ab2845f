import ArgumentParser
import Foundation
import Report
import TrailFormat

struct DigestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "digest",
        abstract: "Post the edges first seen in a window (default: the last 24 hours) to Slack.",
        discussion: """
            Reads the database (DATABASE_URL or PG*), never the archive. Denied edges come first, \
            then allowed ones, each with its first-seen time and flow count, and the window's \
            coverage gaps are stated. Names are shown verbatim in code spans, with Slack's control \
            characters escaped: a namespace called <!channel> pings nobody.

            SLACK_WEBHOOK_URL is the incoming webhook (a secret: never printed); SLACK_CHANNEL \
            overrides its channel. With DRY_RUN=1, --dry-run, or no webhook URL, the message is \
            printed instead of posted. Nothing new: nothing is posted, exit 0.

            The same database and --at give the same message. 429 (after Retry-After) and 5xx \
            are retried; then the exit is 69, or 78 when Slack refuses the webhook or channel \
            (for example 404 channel_not_found), with Slack's status and error text.
            """)

    @Option(help: "How far back from --at to look: 24h, 90m, 7d.")
    var window = DurationArgument("24h")

    @Option(help: "The end of the window (RFC 3339 UTC or Unix seconds; default: now).")
    var at: TimeArgument?

    @Option(help: "List at most this many edges; the rest are counted (\"…and N more\").")
    var maxEdges: Int = 50

    @Option(help: "Tries of the POST before giving up (429 waits Retry-After; 5xx and network errors back off 1 s, 2 s, 4 s...).")
    var attempts: Int = 4

    @Flag(help: "Print the message instead of posting it (as DRY_RUN=1 does).")
    var dryRun = false

    func validate() throws {
        guard maxEdges >= 1 else { throw ValidationError("--max-edges must be at least 1") }
        guard (1...10).contains(attempts) else { throw ValidationError("--attempts must be 1 to 10") }
    }

    @OptionGroup var job: JobOptions

    @OptionGroup var clusterOptions: ClusterOptions

    func run() async throws {
        try await job.run("digest") { metrics in try await digest(metrics) }
    }

    func digest(_ metrics: JobMetrics) async throws {
        metrics.set("goldmane_trail_digest_posts", 0)
        metrics.set("goldmane_trail_digest_failures", 0)
        let environment = ProcessInfo.processInfo.environment
        let at = at?.seconds ?? TimeArgument.now
        let window = window.seconds
        let webhook = environment["SLACK_WEBHOOK_URL"] ?? ""
        let dryRun = self.dryRun || ["1", "true", "yes"].contains((environment["DRY_RUN"] ?? "").lowercased()) || webhook.isEmpty
        let channel = environment["SLACK_CHANNEL"].flatMap { $0.isEmpty ? nil : $0 }

        let store = try ReportSupport.store(clusters: clusterOptions)
        let digest = try ReportSupport.run { () throws(ReportError) in try Digest.build(store: store, at: at, window: window) }
        let clusters = try ReportSupport.run { () throws(ReportError) in try store.clusters() }
        metrics.set("goldmane_trail_digest_new_edges", digest.edges.count)
        if digest.isEmpty {
            Diagnostics.info("no new edges in last \(WindowCoverage.duration(window)) (to \(UTCTime.rfc3339(at))): nothing posted")
            return
        }
        let message = DigestMessage(maxEdges: maxEdges, channel: channel, clusterLabel: clusters.joined(separator: ", ")).render(digest)
        if dryRun {
            let reason = webhook.isEmpty ? "SLACK_WEBHOOK_URL is empty" : "dry run"
            Diagnostics.info("\(reason): printing the message instead of posting it")
            print(String(decoding: try message.json(pretty: true), as: UTF8.self))
            return
        }
        let outcome: SlackWebhook.Outcome
        do {
            let url = try ReportSupport.run { () throws(ReportError) in try SlackWebhook.url(from: webhook) }
            outcome = try await postOrFail(SlackWebhook(url: url, attempts: attempts), body: try message.json())
        } catch {
            metrics.set("goldmane_trail_digest_failures", 1)
            throw error
        }
        metrics.set("goldmane_trail_digest_posts", 1)
        Diagnostics.info("posted \(digest.headline) to Slack (HTTP \(outcome.status), \(outcome.attempts) attempt\(outcome.attempts == 1 ? "" : "s"))")
    }

    private func postOrFail(_ webhook: SlackWebhook, body: [UInt8]) async throws -> SlackWebhook.Outcome {
        return try await webhook.post(body) { Diagnostics.warning($0) }
    }
}
