import ArgumentParser
import Foundation
import Jobs
import TrailDatabase
import TrailSupport

struct HealthCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "health",
        abstract: "Is the trail fresh? Checks the newest sealed segment and the newest loaded data.",
        discussion: """
            Exit 0 when, for every cluster, the newest sealed segment in --archive ends within \
            --max-age of now and the newest data loaded into the database (load_ledger's data_end) \
            does too, and no segment waits in load_failures; exit 2 when either is stale or \
            missing, or a segment failed to load, saying which and since when. Freshness is \
            judged by the trail's own clock: a segment counts no later than its sealed_at, loaded \
            data no later than its loaded_at, so an item claiming a future time cannot fake it. Without \
            --archive only the database is checked; with --no-database only the archive. Database \
            failures exit as the other jobs do (69, 77, 78). Choose --max-age above the capture \
            interval plus the etl interval (15m + 15m: 30m by default is tight; 45m is calm).
            """)

    @Option(help: "The archive to check: a directory (the capture CronJob's volume), or s3://BUCKET/PREFIX.")
    var archive: String?

    @Option(help: "How old the newest segment and the newest loaded data may be: 30m, 1h.")
    var maxAge = DurationArgument("30m")

    @Flag(help: "Check the archive only.")
    var noDatabase = false

    @Option(help: "Judge freshness at this time instead of now (RFC 3339 UTC or Unix seconds).")
    var at: TimeArgument?

    @OptionGroup var job: JobOptions

    func validate() throws {
        if archive == nil && noDatabase { throw ValidationError("nothing to check: give --archive, or drop --no-database") }
    }

    func run() async throws {
        try await job.run("health") { metrics in
            let check = HealthCheck(now: at?.seconds ?? TimeArgument.now, maxAge: maxAge.seconds)
            var findings: [HealthCheck.Finding] = []
            if let archive {
                let state = try check.archive(archive)
                findings += state.findings
                if let end = state.newestEnd { metrics.set("goldmane_trail_archive_newest_segment_end_timestamp_seconds", end) }
            }
            if !noDatabase {
                let state = try check.database(PostgresConnection())
                findings += state.findings
                metrics.set("goldmane_trail_segments_failed", state.failedSegments)
                if let newest = state.newestData { metrics.set("goldmane_trail_newest_data_timestamp_seconds", newest) }
            }
            let stale = findings.filter(\.stale)
            metrics.set("goldmane_trail_health_fresh", stale.isEmpty ? 1 : 0)
            for finding in findings where !finding.stale { print(finding.text) }
            for finding in stale {
                print(finding.text)
                Diagnostics.error(finding.text)
            }
            if !stale.isEmpty { throw ExitCode(ExitStatus.stale.rawValue) }
        }
    }
}
