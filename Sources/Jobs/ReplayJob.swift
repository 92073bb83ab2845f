import Foundation
import Load
import TrailDatabase
import TrailFormat
import TrailSupport
import Transform

/// `goldmane-trail replay`: rebuilds the tables from the archive with the current code and
/// settings. Shadow tables are filled with what a clean `etl` would give: each segment's
/// ledger rows with its own batch's counts, and the rows of all segments folded together,
/// which equal the merge of their separate batches (the fold keeps clusters apart). Then, in one transaction, their
/// rows replace the live rows (`ProjectionSwap`): a reader sees the old tables or the new
/// ones, whatever its isolation level, and a failure or a kill before that transaction
/// commits leaves the live tables as they were. Segments whose data overlap (a window
/// captured twice) are folded together, so an item they share counts once.
public struct ReplayJob {
    public var archive: String
    public var settings: TransformSettings
    /// Keep the segments whose window starts in [from, to).
    public var from: Int64?
    public var to: Int64?
    public var skipCorrupt: Bool

    public init(archive: String, settings: TransformSettings, from: Int64? = nil, to: Int64? = nil, skipCorrupt: Bool = false) {
        self.archive = archive
        self.settings = settings
        self.from = from
        self.to = to
        self.skipCorrupt = skipCorrupt
    }

    public enum Event: Sendable, Equatable {
        case warning(String)
        case progress(done: Int, total: Int)
    }

    public struct Summary: Sendable, Equatable {
        public var segments = 0
        public var skippedCorrupt = 0
        public var items: Int64 = 0
        /// Rows of the rebuilt tables.
        public var edgeRows = 0
        public var wideRows = 0
        public var settings: RecordedSettings
    }

    /// Runs on `connection`, which holds the writer lock on a migrated schema.
    public func run(_ connection: PostgresConnection, events: (Event) -> Void = { _ in }) throws -> Summary {
        let archive = try ArchiveScan(directory: archive)
        let scanned = archive.scan()
        var summary = Summary(settings: RecordedSettings(settings: settings.record, transformVersion: TransformVersion.current))
        for error in scanned.failed {
            guard skipCorrupt else { throw TransformError(.corruptInput, error.description + "; pass --skip-corrupt to replay without it") }
            events(.warning("skipped \(error.description)"))
            summary.skippedCorrupt += 1
        }
        let lower = from ?? .min
        let upper = to ?? .max
        var selected: [ScannedSegment] = []
        var taken: [String: String] = [:]
        for segment in scanned.segments where segment.header.windowStart >= lower && segment.header.windowStart < upper {
            if let first = taken[segment.sha256] {
                events(.warning("\(segment.path): same content as \(first); folded once"))
                continue
            }
            taken[segment.sha256] = segment.path
            selected.append(segment)
        }
        let groups = Self.overlapping(selected)

        // Two folds. Each group of segments is folded on its own for its ledger rows, which
        // carry that batch's row counts exactly as etl's do; all segments are folded together
        // once for the rows (the fold keeps clusters apart), which take one merge instead of
        // one per segment (merging
        // segment by segment in one transaction kept every superseded row version alive:
        // 14 s for the benchmark's day of archive, against 6.6 s this way). Readers never look
        // at the shadow tables; the swap is one transaction of its own.
        do {
            try ProjectionSwap.prepareShadow(connection)
            let loader = BatchLoader(connection: connection, tables: .shadow, checkLedger: false)
            try connection.execute("BEGIN")
            var corrupt: Set<String> = []
            for (index, group) in groups.enumerated() {
                events(.progress(done: index, total: groups.count + 1))
                let output = try TransformJob(segments: group, settings: settings, skipCorrupt: skipCorrupt).run()
                for skipped in output.batch.header.skippedInputs {
                    corrupt.insert(skipped.segment)
                    events(.warning("skipped \(skipped.error)"))
                }
                try loader.recordInputs(output.batch)
                summary.segments += output.batch.header.inputs.count
                summary.skippedCorrupt += output.batch.header.skippedInputs.count
                summary.items += output.batch.header.items.read
            }
            events(.progress(done: groups.count, total: groups.count + 1))
            let all = try TransformJob(segments: selected.filter { !corrupt.contains($0.name) }, settings: settings).run()
            for warning in all.warnings { events(.warning(warning)) }
            try loader.mergeRows(all.batch)
            try connection.execute("COMMIT")
            events(.progress(done: groups.count + 1, total: groups.count + 1))
            PausePoint.replayBuilt.reach()
            try connection.execute("BEGIN")
            try ProjectionSwap.swap(connection)
            let counts = try connection.execute("SELECT (SELECT count(*) FROM edge), (SELECT count(*) FROM edge_wide)").rows.first
            summary.edgeRows = counts?[0].flatMap { Int($0) } ?? 0
            summary.wideRows = counts?[1].flatMap { Int($0) } ?? 0
            try connection.execute("COMMIT")
        } catch {
            // The live tables are untouched; the shadow tables go (the next replay would drop them anyway).
            _ = try? connection.execute("ROLLBACK")
            ProjectionSwap.dropShadow(connection)
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
