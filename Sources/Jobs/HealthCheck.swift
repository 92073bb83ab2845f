import Foundation
import Load
import TrailDatabase
import TrailFormat
import TrailSupport

/// `goldmane-trail health`: is the trail fresh? Judged by the trail's own clock: a segment
/// counts no later than its `sealed_at` and no later than what it captured, loaded data no
/// later than its `loaded_at`, so no item's time can make the trail look fresh.
package struct HealthCheck {
    package struct Finding: Sendable, Equatable {
        package var stale: Bool
        package var text: String
        package init(stale: Bool, text: String) {
            self.stale = stale
            self.text = text
        }
    }

    package var now: Int64
    package var maxAge: Int64

    package init(now: Int64, maxAge: Int64) {
        self.now = now
        self.maxAge = maxAge
    }

    var limit: String { Self.age(maxAge) }

    static func age(_ seconds: Int64) -> String { TimeSpan.format(seconds) }

    /// The newest sealed segment of each cluster in the archive.
    package func archive(_ directory: String) throws -> (findings: [Finding], newestEnd: Int64?) {
        let archive = try ArchiveScan(directory: directory)
        var newest: [String: (path: String, end: Int64)] = [:]
        for path in Self.candidates(archive.listing.sealed, in: directory) {
            let reader: SegmentReader
            do throws(SegmentError) { reader = try SegmentReader(path: path) } catch {
                if error.isStoreFailure { throw JobFailure(error.exitStatus, error.description, cause: error) }
                continue
            }
            // As fresh as what it captured (an interrupted run's window is not), but never
            // fresher than the moment capture sealed it.
            let sealedAt = UTCTime.parse(reader.footer.sealedAt)
            let capturedEnd = reader.footer.coverage.captured.map(\.to).max() ?? reader.header.windowStart
            // Footer times come off disk: clamped so that `now - end` cannot overflow.
            let end = max(min(capturedEnd, sealedAt ?? capturedEnd), 0)
            if newest[reader.header.cluster].map({ end > $0.end }) ?? true {
                newest[reader.header.cluster] = (path, end)
            }
        }
        guard !newest.isEmpty else {
            return ([Finding(stale: true, text: "archive STALE: no sealed segment in \(directory) (has capture ever run?)")], nil)
        }
        let findings = newest.keys.sorted().map { cluster in
            let (path, end) = newest[cluster]!
            let age = now - end
            let name = ArchiveScan.name(path)
            if age > maxAge {
                return Finding(stale: true, text: "archive STALE: cluster \(cluster): the newest sealed segment \(name) ends \(UTCTime.rfc3339(end)), \(Self.age(age)) ago (max \(limit)): capture has sealed nothing since \(UTCTime.rfc3339(end))")
            }
            return Finding(stale: false, text: "archive fresh: cluster \(cluster): the newest sealed segment \(name) ends \(UTCTime.rfc3339(end)), \(Self.age(age)) ago (max \(limit))")
        }
        return (findings, newest.values.map(\.end).max())
    }

    /// The segments to open: all of a directory; of a remote archive (where each open is a
    /// download), per cluster directory the ones whose names say their window ended within two
    /// hours of the cluster's newest (and any whose name does not say).
    static func candidates(_ sealed: [String], in directory: String) -> [String] {
        guard RemoteArchives.isRemote(directory), let root = try? RemoteArchives.open(directory).rootURL else { return sealed }
        let cluster = { (path: String) in String(path.dropFirst(root.count).prefix { $0 != "/" }) }
        var newestEnd: [String: Int64] = [:]
        for path in sealed {
            if let end = SegmentNaming.windowEnd(ofPath: path) { newestEnd[cluster(path)] = max(newestEnd[cluster(path)] ?? end, end) }
        }
        return sealed.filter { path in
            guard let end = SegmentNaming.windowEnd(ofPath: path), let newest = newestEnd[cluster(path)] else { return true }
            return end >= newest - 7_200
        }
    }

    package struct DatabaseState: Sendable {
        package var findings: [Finding] = []
        package var newestData: Int64?
        package var failedSegments = 0
    }

    /// The newest loaded data of each cluster, the segments etl could not load, and the
    /// settings the tables were built with (more than one set of settings is a failure).
    package func database(_ connection: PostgresConnection) throws(DatabaseError) -> DatabaseState {
        var state = DatabaseState()
        let ledger = Ledger(connection)
        let rows: [(cluster: String, dataEnd: Int64?, loadedAt: Int64?)]
        do {
            rows = try ledger.freshness()
        } catch where error.sqlState == "42P01" {
            state.findings = [Finding(stale: true, text: "database STALE: no goldmane-trail tables: nothing was ever loaded (run the etl)")]
            return state
        }
        let failed = (try? ledger.failures()) ?? []
        state.failedSegments = failed.count
        state.findings += failed.map { failure in
            Finding(stale: true, text: "database FAILING: segment \(failure.segment) could not be loaded (\(failure.attempts) attempts): \(failure.reason)")
        }
        state.findings += settingsFindings(ledger)
        guard !rows.isEmpty else {
            state.findings.append(Finding(stale: true, text: "database STALE: nothing loaded yet (the load ledger is empty)"))
            return state
        }
        state.newestData = rows.compactMap(\.dataEnd).max()
        state.findings += rows.map { row in
            let cluster = row.cluster
            guard let end = row.dataEnd else {
                return Finding(stale: true, text: "database STALE: cluster \(cluster): loaded segments hold no data")
            }
            let loadedAt = row.loadedAt.map { ", last load \(UTCTime.rfc3339($0))" } ?? ""
            let age = now - end
            if age > maxAge {
                return Finding(stale: true, text: "database STALE: cluster \(cluster): the newest loaded data ends \(UTCTime.rfc3339(end)), \(Self.age(age)) ago (max \(limit))\(loadedAt): the etl has loaded nothing newer since")
            }
            return Finding(stale: false, text: "database fresh: cluster \(cluster): the newest loaded data ends \(UTCTime.rfc3339(end)), \(Self.age(age)) ago (max \(limit))\(loadedAt)")
        }
        return state
    }

    /// The settings of the loaded rows: one line when they agree, a failure when they do not.
    func settingsFindings(_ ledger: Ledger) -> [Finding] {
        // A schema from before settings were recorded (health does not migrate) has no column.
        guard let loaded = try? ledger.settings() else { return [] }
        var findings: [Finding] = []
        switch loaded.settings.count {
        case 0: break
        case 1: findings.append(Finding(stale: false, text: "database settings: the tables were built with \(loaded.settings[0].description)"))
        default:
            findings.append(Finding(stale: true, text: "database FAILING: the tables mix rows built with \(loaded.settings.map(\.description).joined(separator: " and ")): run `goldmane-trail replay` with the settings you want"))
        }
        if let before = try? ledger.segmentsBeforeDays(), before > 0 {
            findings.append(Finding(stale: false, text: "database history: \(before) segments were loaded before the tables kept history by day: one full `goldmane-trail replay` splits it (range replays refuse until then)"))
        }
        if loaded.unrecorded > 0 {
            findings.append(Finding(stale: false, text: "database settings: \(loaded.unrecorded) segments were loaded before settings were recorded (a replay records them)"))
        }
        return findings
    }
}
