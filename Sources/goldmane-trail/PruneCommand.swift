import ArgumentParser
import Foundation
import Jobs
import TrailFormat
import TrailSupport

struct PruneCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prune",
        abstract: "Remove old segments from the archive, only those the database has loaded.",
        discussion: """
            Removes the sealed segments whose window ended before --before (or more than \
            --keep-days UTC days ago) that the load ledger of the database (DATABASE_URL or \
            libpq's PG* variables) holds, by content. The tables keep their history: `replay` \
            keeps the days of pruned segments as loaded (and says so), and can no longer rebuild \
            them, so prune only what you will not need to replay (compact keeps a day replayable \
            in one file). A segment the ledger does not hold is never removed: it is named, and \
            prune exits 65. Without a reachable database it removes nothing (69).
            """)

    @Option(help: "The archive: a directory, or s3://BUCKET/PREFIX (keys and endpoint from AWS_*).")
    var archive: String

    @Option(help: "Remove segments whose window ended before this time (RFC 3339 UTC or Unix seconds).")
    var before: TimeArgument?

    @Option(help: "Keep this many whole UTC days before today (instead of --before); 0 turns pruning off (the CronJob's default).")
    var keepDays: Int?

    @Flag(help: "Say what would be removed, remove nothing.")
    var dryRun = false

    @OptionGroup var database: DatabaseOptions
    @OptionGroup var job: JobOptions

    func validate() throws {
        guard (before == nil) != (keepDays == nil) else { throw ValidationError("give one of --before and --keep-days") }
        if let keepDays, keepDays < 0 { throw ValidationError("--keep-days must be 0 (off) or more") }
    }

    func run() async throws {
        try await job.run("prune") { metrics in try prune(metrics) }
    }

    func prune(_ metrics: JobMetrics) throws {
        if keepDays == 0 {
            print("pruning is off (--keep-days 0): nothing removed")
            return
        }
        let before = self.before?.seconds ?? (DayRange.day(TimeArgument.now) - Int64(keepDays ?? 0)) * DayRange.secondsPerDay
        let connection = try database.connect()
        let summary = try PruneJob(archive: archive, before: before, dryRun: dryRun).run(connection) { event in
            switch event {
            case .removed(let path): print("\(dryRun ? "would remove" : "removed") \(path)")
            case .kept(let path, let reason): Diagnostics.warning("kept \(path): \(reason)")
            }
        }
        metrics.set("goldmane_trail_pruned_segments", summary.removed)
        print("\(dryRun ? "would remove" : "removed") \(summary.removed) segments (\(summary.bytes) bytes) that ended before \(UTCTime.rfc3339(before)); kept \(summary.notLoaded) not loaded, \(summary.beforeDays) loaded before days were kept, \(summary.unreadable) unreadable")
        if summary.notLoaded + summary.unreadable > 0 {
            throw JobFailure(.dataError, "\(summary.notLoaded + summary.unreadable) segments older than \(UTCTime.rfc3339(before)) were kept because this database has not loaded them (named above): run the etl, or check DATABASE_URL")
        }
        if summary.beforeDays > 0 {
            throw JobFailure(.dataError, "\(summary.beforeDays) segments older than \(UTCTime.rfc3339(before)) were kept because they were loaded before the tables kept history by day: run one full `goldmane-trail replay`, then prune again")
        }
    }
}
