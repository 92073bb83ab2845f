import Foundation
import Load
import TrailDatabase
import TrailFormat
import TrailSupport
import Transform

/// `goldmane-trail etl`: every sealed segment of the archive that the ledger does not have
/// yet, in time order, loaded so that a crash at any point loses nothing and a rerun finishes
/// the job. Consecutive segments fold together and load in one transaction (`chunks`), each
/// with its own ledger row carrying the counts its own fold gives: the tables and the ledger
/// are those that loading each alone would make. A chunk with a segment that cannot be loaded
/// is loaded one segment at a time, each in its own transaction, and the one at fault is named.
///
/// Identity is decided here, once: a segment whose name is in the ledger is not opened; any
/// other is scanned (one read, hashed) and skipped when its content is in the ledger or was
/// already taken in this run under another name. The loader checks the ledger again inside
/// each transaction (another writer cannot slip in: the caller holds the writer lock).
///
/// Before anything changes, the settings the tables were built with are compared with the
/// settings of this run: a difference stops the job (exit 65) and names both.
package struct EtlJob {
    package var archive: String
    package var settings: TransformSettings
    /// At most this many items (by the segments' footers) fold and load together (`chunks`).
    package var chunkItems: Int

    /// Segments fold and load together up to this many items: a busy cluster's day in three
    /// transactions, a home lab's in one; memory follows the distinct flows of a chunk.
    package static let defaultChunkItems = 2_000_000

    package init(archive: String, settings: TransformSettings, chunkItems: Int = defaultChunkItems) {
        self.archive = archive
        self.settings = settings
        self.chunkItems = chunkItems
    }

    /// `pending` (in time order) cut into chunks that load together: consecutive segments up
    /// to `maxItems` items, no two of one cluster overlapping in data time (etl refuses to
    /// double count those, as it would loading them one by one). A compacted day segment is a
    /// chunk of its own (its parts may be loaded already).
    static func chunks(_ pending: [ScannedSegment], maxItems: Int) -> [[ScannedSegment]] {
        var chunks: [[ScannedSegment]] = []
        var chunk: [ScannedSegment] = []
        var items = 0
        func overlapsChunk(_ segment: ScannedSegment) -> Bool {
            guard let start = segment.footer.minStart, let end = segment.footer.maxEnd else { return false }
            return chunk.contains { other in
                guard other.header.cluster == segment.header.cluster, let otherStart = other.footer.minStart,
                      let otherEnd = other.footer.maxEnd else { return false }
                return start < otherEnd && otherStart < end
            }
        }
        for segment in pending {
            let alone = !segment.replaces.isEmpty
            if !chunk.isEmpty && (alone || items + segment.footer.recordCount > maxItems || overlapsChunk(segment)) {
                chunks.append(chunk)
                chunk = []
                items = 0
            }
            chunk.append(segment)
            items += segment.footer.recordCount
            if alone {
                chunks.append(chunk)
                chunk = []
                items = 0
            }
        }
        if !chunk.isEmpty { chunks.append(chunk) }
        return chunks
    }

    /// What happened, as it happens (for logs, output and progress).
    package enum Event: Sendable, Equatable {
        case unsealed(path: String)
        case warning(String)
        case loaded(path: String, items: Int64, edgeRows: Int, wideRows: Int)
        case skipped(path: String, reason: String)
        /// `reason` names `path` first (`path: what is wrong`), ready to print.
        case failed(path: String, reason: String)
        case progress(done: Int, total: Int)
    }

    package struct Summary: Sendable, Equatable {
        package var loaded = 0
        /// Segments already in the ledger (by name or by content), or skipped by the loader.
        package var alreadyLoaded = 0
        package var failed = 0
        package var items: Int64 = 0
        package var edgeRows = 0
        package var wideRows = 0

        package init() {}

        /// Counts one event (the job's own summary and a caller's running tally agree).
        package mutating func count(_ event: Event) {
            switch event {
            case .loaded(_, let items, let edgeRows, let wideRows):
                loaded += 1
                self.items += items
                self.edgeRows += edgeRows
                self.wideRows += wideRows
            case .skipped: alreadyLoaded += 1
            case .failed: failed += 1
            case .unsealed, .warning, .progress: break
            }
        }
    }

    /// Runs on `connection`, which holds the writer lock on a migrated schema. Segments that
    /// cannot be loaded are reported, recorded in `load_failures` and counted; the others
    /// load. Throws when the database fails, or when the settings differ (nothing changed).
    package func run(_ connection: PostgresConnection, events: (Event) -> Void = { _ in }) throws -> Summary {
        var summary = Summary()
        func emit(_ event: Event) {
            summary.count(event)
            events(event)
        }
        let archive = try ArchiveScan(directory: archive)
        try archive.requireSegmentsInBucket()
        for path in archive.listing.unsealed { emit(.unsealed(path: path)) }
        let requested = RecordedSettings(settings: settings.record, transformVersion: TransformVersion.current)
        let ledger = Ledger(connection)
        if let mismatch = try ledger.settingsMismatch(requested) {
            throw JobFailure(.dataError, "etl stopped before loading anything: \(mismatch.description)", cause: mismatch)
        }
        let (loadedNames, loadedHashes) = try ledger.loadedIdentities()
        let failures = LoadFailures(ledger: ledger, archiveNames: archive.sealedNames)
        /// Records `reason` in `load_failures` as it is; the event names the path first,
        /// unless `reason` is a description that already begins with it (`namesPath`).
        func fail(_ path: String, _ reason: String, namesPath: Bool = false) {
            failures.record(path, reason) { emit(.warning($0)) }
            emit(.failed(path: path, reason: namesPath ? reason : "\(path): \(reason)"))
        }

        let scanned = try archive.scan(skippingNames: loadedNames)
        summary.alreadyLoaded += archive.listing.sealed.count - scanned.segments.count - scanned.failed.count
        for error in scanned.failed { fail(error.path, error.description, namesPath: true) }
        var pending: [ScannedSegment] = []
        var taken: [String: String] = [:]
        // Segments a day segment of the archive replaces (a compaction that has not removed
        // them yet): the day segment stands for them.
        let replacedByPresent = Set(scanned.segments.flatMap(\.replaces))
        for segment in scanned.segments {
            if loadedHashes.contains(segment.sha256) {
                summary.alreadyLoaded += 1
            } else if replacedByPresent.contains(segment.sha256) {
                emit(.skipped(path: segment.path, reason: "a compacted day segment of the archive replaces it"))
            } else if let first = taken[segment.sha256] {
                emit(.skipped(path: segment.path, reason: "same content as \(first), loaded once"))
            } else {
                taken[segment.sha256] = segment.path
                pending.append(segment)
            }
        }
        pending.sort { ($0.header.windowStart, $0.path) < ($1.header.windowStart, $1.path) }
        let loader = BatchLoader(connection: connection, verifiedSettings: requested)

        /// Loads `segment` alone: its own fold, its own transaction.
        func loadAlone(_ segment: ScannedSegment) throws {
            if !segment.replaces.isEmpty {
                // A compacted day segment: loaded already when its parts are.
                let loadedParts = segment.replaces.filter(loadedHashes.contains)
                if loadedParts.count == segment.replaces.count {
                    try ledger.recordCompacted(segment, settings: requested)
                    emit(.skipped(path: segment.path, reason: "a compaction of \(loadedParts.count) loaded segments: recorded in the ledger, nothing to merge"))
                    return
                }
                if !loadedParts.isEmpty {
                    let day = DayRange.day(segment.header.windowStart)
                    fail(segment.path, "a compaction of \(segment.replaces.count) segments, \(loadedParts.count) of them loaded and \(segment.replaces.count - loadedParts.count) not: its rows cannot be split. Run `goldmane-trail replay --archive \(self.archive) --from \(DayRange.date(day))T00:00:00Z --to \(DayRange.date(day + 1))T00:00:00Z` to rebuild that day from it")
                    return
                }
            }
            let output: TransformJob.Output
            do { output = try TransformJob(segments: [segment], settings: settings).run() } catch {
                // The store failed, not the segment: stop; what loaded stays, the rest loads next run.
                if case .store = error.code { throw error }
                // A corrupt input's message begins with the description of its SegmentError,
                // the cause, which names the segment's path.
                fail(segment.path, error.description, namesPath: (error.cause as? SegmentError)?.path == segment.path)
                return
            }
            for warning in output.warnings { emit(.warning(warning)) }
            do {
                switch try loader.load(output.batch, name: segment.path) {
                case .loaded(let edges, let wide):
                    failures.clear(segment.path)
                    emit(.loaded(path: segment.path, items: output.batch.header.items.read, edgeRows: edges, wideRows: wide))
                case .skipped(let reason):
                    emit(.skipped(path: segment.path, reason: reason))
                }
            } catch {
                // When this segment's data, not the database, is the problem: name it, record
                // it, and go on with the others.
                guard error.code == .refused || error.isDataError else { throw error }
                fail(segment.path, "not loaded: \(error.description)")
            }
        }

        /// Loads `chunk` (segments no other of the chunk overlaps) in one fold and one
        /// transaction: the tables and the ledger come out as loading each alone would make
        /// them. False, with nothing changed, when a segment of it cannot be loaded (corrupt,
        /// refused): then each is loaded alone, so that the one at fault is named.
        func loadTogether(_ chunk: [ScannedSegment]) throws -> Bool {
            let output: TransformJob.Output
            do { output = try TransformJob(groups: chunk.map { [$0] }, settings: settings).run() } catch {
                if case .store = error.code { throw error }
                return false
            }
            let rows = Dictionary(uniqueKeysWithValues: zip(chunk.map(\.sha256), output.groupRows))
            do {
                guard case .loaded = try loader.load(output.batch, name: "\(chunk.count) segments", ledgerRows: { rows[$0.sha256]! }) else { return false }
            } catch {
                guard error.code == .refused || error.isDataError else { throw error }
                return false
            }
            for warning in output.warnings { emit(.warning(warning)) }
            for segment in chunk {
                failures.clear(segment.path)
                let counts = rows[segment.sha256]!
                emit(.loaded(path: segment.path, items: Int64(segment.footer.recordCount), edgeRows: counts.edges, wideRows: counts.wide))
            }
            return true
        }

        var done = 0
        for chunk in Self.chunks(pending, maxItems: chunkItems) {
            events(.progress(done: done, total: pending.count))
            let together = try chunk.count > 1 && loadTogether(chunk)
            if !together {
                for (index, segment) in chunk.enumerated() {
                    if index > 0 { events(.progress(done: done + index, total: pending.count)) }
                    try loadAlone(segment)
                }
            }
            done += chunk.count
        }
        events(.progress(done: pending.count, total: pending.count))
        return summary
    }
}

/// etl loaded what it could, and some segments could not be loaded (named as they failed,
/// and in `load_failures`).
package struct SegmentsNotLoaded: TrailError {
    package let count: Int
    package init(count: Int) { self.count = count }
    package var exitStatus: ExitStatus { .dataError }
    package var description: String {
        "\(count) segment\(count == 1 ? "" : "s") could not be loaded (named above and in the load_failures table; `health` reports them until they load or leave the archive)"
    }
}
