import ArgumentParser
import Foundation
import Jobs
import TrailFormat

struct CompactCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compact",
        abstract: "Fold each cluster's sealed segments of each old UTC day into one day segment.",
        discussion: """
            A busy cluster's archive has 96 segments a day; a day segment holds the same items \
            exactly once (byte-identical copies of an item in a bucket are left out, differing \
            copies kept), its coverage and gaps, and, in its header, the name and SHA-256 of every \
            segment it replaces. `verify` accepts it, `transform` of it gives the rows of its \
            parts, `etl` loads nothing twice (a day segment whose parts are loaded is only \
            recorded) and `replay` gives the same tables.

            The day segment is written and sealed in the archive's .staging/ directory, moved \
            into the day's directory, and only then are the segments it replaces removed: a crash \
            at any point leaves the originals, or the day segment with some originals that every \
            job skips and the next compact removes. A day is left as it is, and named, when it \
            holds an unsealed segment, a segment that is not sound, or a record transform leaves \
            out. Days that ended less than two hours ago are never compacted (a capture may still \
            refill them). One compact per archive at a time (exit 75).
            """)

    @Option(help: "The archive: a directory, or s3://BUCKET/PREFIX.")
    var archive: String

    @Option(help: "With an s3:// archive: the local directory day segments are written in before upload (default: in TMPDIR).")
    var staging: String?

    @Option(help: "Compact the days before this time's UTC day (default: days that ended more than two days ago).")
    var before: TimeArgument?

    @Option(name: .customLong("cluster"), help: "Compact this cluster only (repeatable; default: every cluster).")
    var clusters: [String] = []

    @OptionGroup var job: JobOptions

    func run() async throws {
        try await job.run("compact") { metrics in try compact(metrics) }
    }

    func compact(_ metrics: JobMetrics) throws {
        let now = TimeArgument.now
        let before = self.before?.seconds ?? (DayRange.day(now) - 2) * DayRange.secondsPerDay
        let pause = { (point: String) in PausePointHook.reach(point) }
        let summary = try CompactJob(archive: archive, before: before, now: now, clusters: clusters, staging: staging).run(events: { event in
            switch event {
            case .compacted(let day, let cluster, let segments, let records, let copies, let path):
                print("compacted cluster \(cluster) \(day): \(segments) segments into \(path) (\(records) records\(copies > 0 ? ", \(copies) identical copies left out" : ""))")
            case .finished(let day, let cluster, let removed):
                print("finished an interrupted compaction of cluster \(cluster) \(day): removed \(removed) segments its day segment replaces")
            case .kept(let day, let cluster, let reason):
                Diagnostics.warning("kept cluster \(cluster) \(day) as it is: \(reason)")
            }
        }, pause: pause)
        metrics.set("goldmane_trail_compacted_days", summary.days)
        metrics.set("goldmane_trail_compacted_segments", summary.segmentsReplaced)
        if summary.days == 0 && summary.daysKept == 0 {
            print("nothing to compact: no day before \(DayRange.date(DayRange.day(before))) has more than one segment")
        } else {
            print("compacted \(summary.days) days (\(summary.segmentsReplaced) segments); \(summary.daysKept) days kept as they are")
        }
    }
}

/// The named points a crash test can stop a job at (`GOLDMANE_TRAIL_PAUSE_AT`, `GOLDMANE_TRAIL_PAUSE_FILE`).
enum PausePointHook {
    static func reach(_ point: String, environment: [String: String] = ProcessInfo.processInfo.environment) {
        guard environment["GOLDMANE_TRAIL_PAUSE_AT"] == point, let file = environment["GOLDMANE_TRAIL_PAUSE_FILE"] else { return }
        _ = FileManager.default.createFile(atPath: file, contents: Data(point.utf8))
        while FileManager.default.fileExists(atPath: file) { Thread.sleep(forTimeInterval: 0.05) }
    }
}
