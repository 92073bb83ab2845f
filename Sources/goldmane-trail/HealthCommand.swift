import ArgumentParser
import Foundation
import Report
import TrailDatabase
import TrailFormat

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

    @Option(help: "The archive directory to check (the capture CronJob's volume).")
    var archive: String?

    @Option(help: "How old the newest segment and the newest loaded data may be: 30m, 1h.")
    var maxAge: String = "30m"

    @Flag(help: "Check the archive only.")
    var noDatabase = false

    @Option(help: "Judge freshness at this time instead of now (RFC 3339 UTC or Unix seconds).")
    var at: String?

    @OptionGroup var job: JobOptions

    static let staleExit: Int32 = 2

    func validate() throws {
        _ = try DurationArgument.parse(maxAge, option: "--max-age")
        _ = try TimeArgument.parse(at, option: "--at")
        if archive == nil && noDatabase { throw ValidationError("nothing to check: give --archive, or drop --no-database") }
    }

    func run() async throws {
        try await job.run("health") { metrics in
            let now = try TimeArgument.parse(at, option: "--at") ?? Int64(Date().timeIntervalSince1970)
            let limit = try DurationArgument.parse(maxAge, option: "--max-age")
            var stale: [String] = []
            if let archive {
                for line in try archiveFreshness(archive, now: now, limit: limit, metrics: metrics) {
                    if line.stale { stale.append(line.text) } else { print(line.text) }
                }
            }
            if !noDatabase {
                for line in try databaseFreshness(now: now, limit: limit, metrics: metrics) {
                    if line.stale { stale.append(line.text) } else { print(line.text) }
                }
            }
            metrics.set("goldmane_trail_health_fresh", stale.isEmpty ? 1 : 0)
            for line in stale {
                print(line)
                Diagnostics.error(line)
            }
            if !stale.isEmpty { throw ExitCode(Self.staleExit) }
        }
    }

    struct Finding {
        var stale: Bool
        var text: String
    }

    static func age(_ seconds: Int64) -> String { Coverage.duration(seconds) }

    func archiveFreshness(_ archive: String, now: Int64, limit: Int64, metrics: JobMetrics) throws -> [Finding] {
        guard let listing = ArchiveListing(directory: archive) else {
            throw fail("\(archive): no such directory, or it cannot be listed", code: ExitCodes.noInput)
        }
        // Paths sort by cluster, day and window: the last one of each cluster is its newest.
        var newest: [String: (path: String, end: Int64)] = [:]
        for path in listing.sealed {
            guard let reader = try? SegmentReader(path: path) else { continue }
            // A segment is as fresh as what it captured (an interrupted run's window is not),
            // but never fresher than the moment capture sealed it: the trail's own clock,
            // which no item's time can move.
            let sealedAt = UTCTime.parse(reader.footer.sealedAt)
            let capturedEnd = reader.footer.coverage.captured.map(\.to).max() ?? reader.header.windowStart
            let end = min(capturedEnd, sealedAt ?? capturedEnd)
            if newest[reader.header.cluster].map({ end > $0.end }) ?? true {
                newest[reader.header.cluster] = (path, end)
            }
        }
        guard !newest.isEmpty else {
            return [Finding(stale: true, text: "archive STALE: no sealed segment in \(archive) (has capture ever run?)")]
        }
        if let end = newest.values.map(\.end).max() {
            metrics.set("goldmane_trail_archive_newest_segment_end_timestamp_seconds", end)
        }
        return newest.keys.sorted().map { cluster in
            let (path, end) = newest[cluster]!
            let age = now - end
            let name = (path as NSString).lastPathComponent
            if age > limit {
                return Finding(stale: true, text: "archive STALE: cluster \(cluster): the newest sealed segment \(name) ends \(UTCTime.rfc3339(end)), \(Self.age(age)) ago (max \(maxAge)): capture has sealed nothing since \(UTCTime.rfc3339(end))")
            }
            return Finding(stale: false, text: "archive fresh: cluster \(cluster): the newest sealed segment \(name) ends \(UTCTime.rfc3339(end)), \(Self.age(age)) ago (max \(maxAge))")
        }
    }

    /// The newest loaded data, judged by data times no later than the load that wrote them
    /// (an item claiming the year 9999 cannot make the trail look fresh), and the segments
    /// etl could not load.
    func databaseFreshness(now: Int64, limit: Int64, metrics: JobMetrics) throws -> [Finding] {
        let rows: [[String?]]
        var failed: [[String?]] = []
        do {
            let connection = try PostgresConnection()
            rows = try connection.execute("""
                SELECT cluster, extract(epoch FROM max(least(data_end, loaded_at)))::bigint, extract(epoch FROM max(loaded_at))::bigint
                FROM load_ledger GROUP BY cluster ORDER BY cluster
                """).rows
            failed = (try? connection.execute("SELECT segment, reason, attempts FROM load_failures ORDER BY segment").rows) ?? []
        } catch where error.sqlState == "42P01" {
            return [Finding(stale: true, text: "database STALE: no goldmane-trail tables: nothing was ever loaded (run the etl)")]
        } catch {
            throw fail(error.description, code: ExitCodes.code(for: error))
        }
        metrics.set("goldmane_trail_segments_failed", failed.count)
        let failures = failed.map { row in
            Finding(stale: true, text: "database FAILING: segment \(row[0] ?? "?") could not be loaded (\(row[2] ?? "1") attempts): \(row[1] ?? "")")
        }
        guard !rows.isEmpty else { return failures + [Finding(stale: true, text: "database STALE: nothing loaded yet (the load ledger is empty)")] }
        if let newest = rows.compactMap({ $0[1].flatMap { Int64($0) } }).max() {
            metrics.set("goldmane_trail_newest_data_timestamp_seconds", newest)
        }
        return failures + rows.map { row in
            let cluster = row[0] ?? ""
            guard let end = row[1].flatMap({ Int64($0) }) else {
                return Finding(stale: true, text: "database STALE: cluster \(cluster): loaded segments hold no data")
            }
            let loadedAt = row[2].flatMap { Int64($0) }.map { ", last load \(UTCTime.rfc3339($0))" } ?? ""
            let age = now - end
            if age > limit {
                return Finding(stale: true, text: "database STALE: cluster \(cluster): the newest loaded data ends \(UTCTime.rfc3339(end)), \(Self.age(age)) ago (max \(maxAge))\(loadedAt): the etl has loaded nothing newer since")
            }
            return Finding(stale: false, text: "database fresh: cluster \(cluster): the newest loaded data ends \(UTCTime.rfc3339(end)), \(Self.age(age)) ago (max \(maxAge))\(loadedAt)")
        }
    }
}
