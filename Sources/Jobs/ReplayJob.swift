import Foundation
import Load
import TrailDatabase
import TrailFormat
import TrailSupport
import Transform

/// `goldmane-trail replay`: rebuilds history from the archive with the current code and
/// settings, and replaces exactly what it rebuilt.
///
/// History is kept in pieces, one cluster's UTC day each (`HistoryRebuild`). A replay
/// rebuilds the pieces of the days it is asked for (every day, or the whole UTC days that
/// `--from`/`--to` touch), of every cluster whose segments it finds (or the `--cluster` ones),
/// from every segment whose data touch those days, folded together (segments that overlap a
/// window captured twice count an item once). Then, in one transaction, the rebuilt pieces
/// replace theirs, the all-time rows of every key they touch are recomputed from the pieces,
/// and the replayed segments' ledger rows replace theirs; every other piece stays as it was.
///
/// What it refuses, before anything changes: no segment selected (66); history it cannot
/// rebuild without loss. A day that a loaded segment no longer in the archive (pruned, lost,
/// a wrong path) contributed to is kept as loaded, and said; a replay with other settings
/// than the rows it keeps were built with is refused (65), as is a range replay while some
/// history predates days (migration 0009: a full replay splits it).
package struct ReplayJob {
    package var archive: String
    package var settings: TransformSettings
    /// Rebuild the whole UTC days that `[from, to)` touches.
    package var from: Int64?
    package var to: Int64?
    /// Rebuild these clusters only (empty: every cluster the archive holds).
    package var clusters: [String]
    package var skipCorrupt: Bool

    package init(archive: String, settings: TransformSettings, from: Int64? = nil, to: Int64? = nil, clusters: [String] = [],
                 skipCorrupt: Bool = false) {
        self.archive = archive
        self.settings = settings
        self.from = from
        self.to = to
        self.clusters = clusters
        self.skipCorrupt = skipCorrupt
    }

    package enum Event: Sendable, Equatable {
        case warning(String)
        case progress(done: Int, total: Int)
    }

    package struct Summary: Sendable, Equatable {
        package var segments = 0
        package var skippedCorrupt = 0
        package var items: Int64 = 0
        /// Rows of the all-time tables after the replay.
        package var edgeRows = 0
        package var wideRows = 0
        package var settings: RecordedSettings
        /// What was rebuilt, for people (clusters and days).
        package var rebuilt: [String] = []
        /// Loaded segments no longer in the archive, and the days kept for them.
        package var missingSegments = 0
        package var keptDays = 0
        package var kept: [String] = []
    }

    /// The days to rebuild: nil bounds for every day.
    var dayRange: (first: Int64?, last: Int64?) {
        (from.map(DayRange.day), to.map { DayRange.day($0 - 1) })
    }

    /// No --from/--to: every day.
    var isWholeHistory: Bool { from == nil && to == nil }

    func inRange(_ days: ClosedRange<Int64>) -> Bool {
        let (first, last) = dayRange
        return days.upperBound >= (first ?? .min) && days.lowerBound <= (last ?? .max)
    }

    /// Runs on `connection`, which holds the writer lock on a migrated schema.
    package func run(_ connection: PostgresConnection, events: (Event) -> Void = { _ in }) throws -> Summary {
        if let from, let to, from >= to {
            throw JobFailure(.usage, "--from \(UTCTime.rfc3339(from)) is not before --to \(UTCTime.rfc3339(to)): nothing replayed, the tables are unchanged")
        }
        let requested = RecordedSettings(settings: settings.record, transformVersion: TransformVersion.current)
        var summary = Summary(settings: requested)
        let archive = try ArchiveScan(directory: archive)
        let scanned = try archive.scan()
        for error in scanned.failed {
            guard skipCorrupt else { throw TransformError(.corruptInput, error.description + "; pass --skip-corrupt to replay without it (the days it holds are kept as loaded)", cause: error) }
            events(.warning("skipped \(error.description)"))
            summary.skippedCorrupt += 1
        }
        let entries = try Ledger(connection).entries()
        var segments = scanned.segments
        var plan = try ReplayPlan(job: self, segments: segments, ledger: entries, requested: requested)
        let rebuild = HistoryRebuild(connection: connection)
        // One fold of every selected segment, once: the rows, and for each group of segments
        // (overlapping segments of a cluster fold together, as etl would) the row counts its
        // ledger rows carry, as etl's do. Readers never look at the tables aside; the swap is
        // one transaction of its own. A segment found corrupt while folding (with --skip-corrupt)
        // is then as good as missing: the plan is made again without it, so that the days it
        // holds are kept as loaded.
        do {
            var groups: [[ScannedSegment]] = []
            var folded: TransformJob.Output
            while true {
                groups = Self.overlapping(plan.selected)
                events(.progress(done: 0, total: 2))
                folded = try TransformJob(groups: groups, settings: settings, skipCorrupt: skipCorrupt).run()
                let corrupt = Set(folded.batch.header.skippedInputs.map(\.segment))
                for skipped in folded.batch.header.skippedInputs { events(.warning("skipped \(skipped.error)")) }
                guard !corrupt.isEmpty else { break }
                summary.skippedCorrupt += corrupt.count
                segments.removeAll { corrupt.contains($0.name) }
                plan = try ReplayPlan(job: self, segments: segments, ledger: entries, requested: requested)
            }
            for warning in folded.warnings where !warning.hasPrefix("skipped ") { events(.warning(warning)) }
            for warning in plan.warnings { events(.warning(warning)) }
            summary.rebuilt = plan.rebuilt
            summary.kept = plan.kept
            summary.missingSegments = plan.missing
            summary.keptDays = plan.targets.map(\.kept.count).reduce(0, +)

            try rebuild.prepare()
            try connection.execute("BEGIN")
            let inputs = Dictionary(folded.batch.header.inputs.map { ($0.sha256, $0) }, uniquingKeysWith: { first, _ in first })
            for (group, rows) in zip(groups, folded.groupRows) {
                try rebuild.addLedgerRows(group.compactMap { inputs[$0.sha256] }, edgeRows: rows.edges, wideRows: rows.wide,
                                          of: folded.batch.header, recorded: plan.recorded)
            }
            summary.segments += folded.batch.header.inputs.count
            summary.items += folded.batch.header.items.read
            events(.progress(done: 1, total: 2))
            try rebuild.addRows(folded.batch)
            try rebuild.setTargets(plan.targets, dropLedger: plan.dropLedger)
            try connection.execute("COMMIT")
            events(.progress(done: 2, total: 2))
            PausePoint.replayBuilt.reach()
            try connection.execute("BEGIN")
            try rebuild.swap()
            (summary.edgeRows, summary.wideRows) = try rebuild.allTimeCounts()
            try connection.execute("COMMIT")
        } catch {
            // The live tables are untouched; the tables aside go (the next replay would drop them anyway).
            _ = try? connection.execute("ROLLBACK")
            rebuild.drop()
            throw error
        }
        return summary
    }

    /// The segments in groups to fold together: per cluster, segments whose data ranges
    /// overlap (transitively) form one group; every other segment is a group of its own, so
    /// its ledger row carries its own counts, as etl's do. Groups come in time order.
    static func overlapping(_ segments: [ScannedSegment]) -> [[ScannedSegment]] {
        let ordered = segments.sorted {
            ($0.header.cluster, $0.footer.minStart ?? $0.header.windowStart, $0.path)
                < ($1.header.cluster, $1.footer.minStart ?? $1.header.windowStart, $1.path)
        }
        var groups: [[ScannedSegment]] = []
        var groupEnd: Int64 = .min
        for segment in ordered {
            guard let start = segment.footer.minStart, let end = segment.footer.maxEnd else {
                groups.append([segment])  // no data: nothing to share
                continue
            }
            if let last = groups.last?.last, last.header.cluster == segment.header.cluster, last.footer.minStart != nil, start < groupEnd {
                groups[groups.count - 1].append(segment)
                groupEnd = max(groupEnd, end)
            } else {
                groups.append([segment])
                groupEnd = end
            }
        }
        return groups.sorted {
            ($0[0].footer.minStart ?? $0[0].header.windowStart, $0[0].path) < ($1[0].footer.minStart ?? $1[0].header.windowStart, $1[0].path)
        }
    }
}
