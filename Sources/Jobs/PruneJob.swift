import Foundation
import Load
import TrailDatabase
import TrailFormat
import TrailSupport

/// `goldmane-trail prune`: removes the archive's sealed segments whose window ended before
/// `before`, but only those the database's load ledger holds (by content, or as a part of a
/// loaded day segment): their history is in the tables, and `replay` keeps it as loaded when
/// their segments are gone. A segment the ledger does not hold is never removed, and named.
package struct PruneJob {
    package var archive: String
    package var before: Int64
    package var dryRun: Bool

    package init(archive: String, before: Int64, dryRun: Bool = false) {
        self.archive = archive
        self.before = before
        self.dryRun = dryRun
    }

    package enum Event: Sendable, Equatable {
        case removed(path: String)
        case kept(path: String, reason: String)
    }

    package struct Summary: Sendable, Equatable {
        package var removed = 0
        package var bytes = 0
        /// Old enough, but not in the ledger: kept.
        package var notLoaded = 0
        /// Old enough and loaded, but before the tables kept days: kept for the full replay.
        package var beforeDays = 0
        package var unreadable = 0
    }

    /// Runs against `connection`'s ledger (read only: the tables keep the pruned history).
    package func run(_ connection: PostgresConnection, events: (Event) -> Void = { _ in }) throws -> Summary {
        let scan = try ArchiveScan(directory: archive)
        try scan.requireSegmentsInBucket()
        let (_, loaded) = try Ledger(connection).loadedIdentities()
        // Segments loaded before the tables kept days: a replay must still be able to read
        // them once (to split their history), so they stay until it has.
        let beforeDays = Set(try Ledger(connection).entries().filter { !$0.byDay }.flatMap { [$0.sha256] + $0.replaces })
        var summary = Summary()
        // Of a remote archive, where scanning is downloading, only what the names say is old
        // enough (a name that says nothing is scanned).
        let remote = RemoteArchives.isRemote(archive)
        let scanned = try scan.scan { !remote || (SegmentNaming.windowEnd(ofPath: $0) ?? .min) <= before }
        for error in scanned.failed {
            summary.unreadable += 1
            events(.kept(path: error.path, reason: "not a sound sealed segment, so not known to be loaded: \(error.description)"))
        }
        for segment in scanned.segments.sorted(by: { $0.path < $1.path }) where segment.header.windowEnd <= before {
            guard loaded.contains(segment.sha256) else {
                summary.notLoaded += 1
                events(.kept(path: segment.path, reason: "not in the load ledger of this database: run the etl first (or point DATABASE_URL at the database that loaded it)"))
                continue
            }
            if beforeDays.contains(segment.sha256) {
                summary.beforeDays += 1
                events(.kept(path: segment.path, reason: "loaded before the tables kept history by day (migration 0009): run one full `goldmane-trail replay` first, which splits that history and needs this segment"))
                continue
            }
            if !dryRun {
                do throws(SegmentError) { try RemoteArchives.remove(segment.path) } catch {
                    throw JobFailure(error.exitStatus, error.description, cause: error)
                }
            }
            summary.removed += 1
            summary.bytes += segment.size
            events(.removed(path: segment.path))
        }
        return summary
    }
}
