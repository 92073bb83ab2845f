import Foundation
import TrailFormat
import TrailSupport

/// `goldmane-trail transform`: sealed segments (files or directories of them) in, one edge
/// batch out. A corrupt or unsealed input stops the job, unless `skipCorrupt` is set, in
/// which case it is left out and named in the batch header and in `warnings`.
package struct TransformJob {
    /// What to fold: paths (files or directories, scanned here) or segments already scanned.
    package enum Inputs: Sendable {
        case paths([String])
        case segments([ScannedSegment])
    }

    package var inputs: Inputs
    package var settings: TransformSettings
    package var skipCorrupt: Bool
    /// The fold's tables are kept until the process exits instead of freed when `run` returns
    /// (`KeptUntilExit`): for a command whose last work this is, never for a library caller.
    package var keepsFoldUntilExit = false
    /// Per segment path, its input group, when the fold counts each group's rows (replay).
    private var groupOf: [String: Int32] = [:]
    private var groupCount = 0

    package init(inputs: [String], settings: TransformSettings = TransformSettings(), skipCorrupt: Bool = false) {
        self.inputs = .paths(inputs)
        self.settings = settings
        self.skipCorrupt = skipCorrupt
    }

    /// Folds segments a job has scanned already (etl, replay): their content hash and header come
    /// from the scan; the fold reads each file once more, for its records.
    package init(segments: [ScannedSegment], settings: TransformSettings = TransformSettings(), skipCorrupt: Bool = false) {
        self.inputs = .segments(segments)
        self.settings = settings
        self.skipCorrupt = skipCorrupt
    }

    /// Folds groups of segments together once (replay), counting for each group the edge and
    /// wide rows a fold of that group alone would give (`Output.groupRows`): the groups must be
    /// of one cluster each, and a cluster's groups must not overlap in time.
    package init(groups: [[ScannedSegment]], settings: TransformSettings = TransformSettings(), skipCorrupt: Bool = false) {
        self.init(segments: groups.flatMap { $0 }, settings: settings, skipCorrupt: skipCorrupt)
        for (index, group) in groups.enumerated() {
            for segment in group { groupOf[segment.path] = Int32(index) }
        }
        groupCount = groups.count
    }

    package struct Output {
        package var batch: EdgeBatch
        /// Things an operator should know (skipped inputs, unsealed files ignored).
        package var warnings: [String]
        /// With `init(groups:)`: per group, the rows a fold of it alone would give.
        package var groupRows: [(edges: Int, wide: Int)] = []

        package init(batch: EdgeBatch, warnings: [String]) {
            self.batch = batch
            self.warnings = warnings
        }
    }

    /// Folds the inputs. `progress` hears the fraction of the inputs' time span folded so far.
    package func run(progress: ((Double) -> Void)? = nil) throws(TransformError) -> Output {
        var warnings: [String] = []
        var skipped: [SkippedInput] = []
        var segments: [ScannedSegment] = []
        switch inputs {
        case .segments(let given):
            segments = given
        case .paths(let paths):
            for scanned in ScannedSegment.scan(try SegmentFiles.expand(paths, warnings: &warnings)) {
                do throws(SegmentError) { segments.append(try scanned.get()) } catch {
                    try refuseOrSkip(error, skipped: &skipped, warnings: &warnings)
                }
            }
        }
        var opened: [String: (info: BatchInput, path: String)] = [:]
        for segment in segments {
            guard opened[segment.sha256] == nil else {
                warnings.append("\(segment.path): same content as \(opened[segment.sha256]!.path); folded once")
                continue
            }
            opened[segment.sha256] = (Self.describe(segment), segment.path)
        }
        while true {
            let fold = EdgeFold(settings: settings, groups: groupCount)
            let merged = opened.values.compactMap { entry in
                entry.info.minStart.map { BucketMerge.Input(path: entry.path, minStart: $0, group: groupOf[entry.path] ?? 0) }
            }
            let first = merged.map(\.minStart).min() ?? 0
            let last = opened.values.compactMap(\.info.maxEnd).max() ?? first
            // In floating point: footer times come off disk and can be anything (Int64.min), and
            // an Int64 difference of two of them can overflow.
            let report: (Int64) -> Void = { bucket in
                progress?(last > first ? min(max((Double(bucket) - Double(first)) / (Double(last) - Double(first)), 0), 1) : 1)
            }
            do throws(SegmentError) {
                try BucketMerge.run(merged, into: fold, progress: report)
            } catch {
                try refuseOrSkip(error, skipped: &skipped, warnings: &warnings)
                opened = opened.filter { $0.value.path != error.path }
                continue
            }
            fold.releaseItemTables()
            MemoryTuning.releaseFreedMemory()
            let (edges, wide, policy, dropped) = fold.projections()
            warnings += fold.locatedDrops
            let located = Int64(fold.locatedDrops.count)
            let recordDrops = (dropped.all[DropReason.malformed.rawValue] ?? 0) + (dropped.all[DropReason.badBucketTime.rawValue] ?? 0)
            if recordDrops > located && located == EdgeFold.maxLocatedDrops {
                warnings.append("... and more malformed or badly timed records, counted in the batch header's dropped items")
            }
            let header = BatchHeader(
                transformVersion: TransformVersion.current, settings: settings.record,
                inputs: opened.values.map { entry in
                    // The data range is what was folded: a footer's range can hold dropped items.
                    var info = entry.info
                    let range = fold.dataRanges[entry.path]
                    info.minStart = range?.minStart
                    info.maxEnd = range?.maxEnd
                    return info
                }.sorted { $0.sha256 < $1.sha256 },
                skippedInputs: skipped.sorted { ($0.segment, $0.error) < ($1.segment, $1.error) },
                items: fold.items, dropped: dropped, edgeRows: edges.count, wideRows: wide.count, policyRows: policy.count, rowsSha256: "")
            var output = Output(batch: EdgeBatch(header: header, edges: edges, wide: wide, policy: policy), warnings: warnings)
            if groupCount > 0 { output.groupRows = fold.groupRowCounts() }
            if keepsFoldUntilExit { KeptUntilExit.keep(fold) }
            return output
        }
    }

    private func refuseOrSkip(_ error: SegmentError, skipped: inout [SkippedInput], warnings: inout [String]) throws(TransformError) {
        // A remote archive's store that fails is not the segment's fault: never skipped.
        if error.isStoreFailure { throw TransformError(.store(error.exitStatus), error.description, cause: error) }
        guard skipCorrupt else { throw TransformError(.corruptInput, error.description + "; pass --skip-corrupt to fold the other inputs without it", cause: error) }
        let name = (error.path as NSString).lastPathComponent
        skipped.append(SkippedInput(segment: name, error: error.description))
        warnings.append("skipped \(error.description)")
    }

    static func describe(_ segment: ScannedSegment) -> BatchInput {
        BatchInput(
            segment: segment.name, sha256: segment.sha256, cluster: segment.header.cluster,
            captureId: segment.header.captureId, windowStart: segment.header.windowStart, windowEnd: segment.header.windowEnd,
            records: segment.footer.recordCount, minStart: segment.footer.minStart, maxEnd: segment.footer.maxEnd,
            seal: segment.footer.seal.rawValue, coverage: segment.footer.coverage,
            replaces: segment.header.replaces.map { $0.map(\.sha256).sorted() })
    }
}

/// Why a transform could not fold its inputs, and what to do next.
package typealias TransformError = StageError<TransformErrorCode>

/// What went wrong in a transform.
package enum TransformErrorCode: ErrorCode {
    /// An argument names nothing usable (missing path, no segments).
    case badInput
    /// An input is corrupt or unsealed; the `SegmentError` is the cause.
    case corruptInput
    /// The output could not be written.
    case output
    /// A remote archive's store failed (unreachable, forbidden, no bucket): its exit status.
    case store(ExitStatus)

    package var exitStatus: ExitStatus {
        switch self {
        case .badInput: .noInput
        case .corruptInput: .dataError
        case .output: .cannotCreate
        case .store(let status): status
        }
    }
}
