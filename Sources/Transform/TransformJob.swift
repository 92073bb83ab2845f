import Foundation
import TrailFormat

/// `goldmane-trail transform`: sealed segments (files or directories of them) in, one edge
/// batch out. A corrupt or unsealed input stops the job, unless `skipCorrupt` is set, in
/// which case it is left out and named in the batch header and in `warnings`.
public struct TransformJob {
    public var inputs: [String]
    public var settings: TransformSettings
    public var skipCorrupt: Bool

    public init(inputs: [String], settings: TransformSettings = TransformSettings(), skipCorrupt: Bool = false) {
        self.inputs = inputs
        self.settings = settings
        self.skipCorrupt = skipCorrupt
    }

    public struct Output {
        public var batch: EdgeBatch
        /// Things an operator should know (skipped inputs, unsealed files ignored).
        public var warnings: [String]

        public init(batch: EdgeBatch, warnings: [String]) {
            self.batch = batch
            self.warnings = warnings
        }
    }

    /// Folds the inputs. `progress` hears the fraction of the inputs' time span folded so far.
    public func run(progress: ((Double) -> Void)? = nil) throws(TransformError) -> Output {
        var warnings: [String] = []
        let files = try SegmentFiles.expand(inputs, warnings: &warnings)
        var skipped: [SkippedInput] = []
        var opened: [String: (info: BatchInput, path: String)] = [:]
        for path in files {
            do throws(SegmentError) {
                let reader = try SegmentReader(path: path)
                let hash = try ContentHash.sha256(path: path)
                guard opened[hash] == nil else {
                    warnings.append("\(path): same content as \(opened[hash]!.path); folded once")
                    continue
                }
                opened[hash] = (Self.describe(reader, sha256: hash), path)
            } catch {
                try refuseOrSkip(error, skipped: &skipped, warnings: &warnings)
            }
        }
        while true {
            let fold = EdgeFold(settings: settings)
            let merged = opened.values.compactMap { entry in
                entry.info.minStart.map { BucketMerge.Input(path: entry.path, minStart: $0) }
            }
            let first = merged.map(\.minStart).min() ?? 0
            let last = opened.values.compactMap(\.info.maxEnd).max() ?? first
            let report: (Int64) -> Void = { bucket in
                progress?(last > first ? Double(bucket - first) / Double(last - first) : 1)
            }
            do throws(SegmentError) {
                try BucketMerge.run(merged, into: fold, progress: report)
            } catch {
                try refuseOrSkip(error, skipped: &skipped, warnings: &warnings)
                opened = opened.filter { $0.value.path != error.path }
                continue
            }
            let (edges, wide, dropped) = fold.projections()
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
                items: fold.items, dropped: dropped, edgeRows: edges.count, wideRows: wide.count, rowsSha256: "")
            return Output(batch: EdgeBatch(header: header, edges: edges, wide: wide), warnings: warnings)
        }
    }

    /// The batch of no input (replaying an empty range empties the tables).
    public static func empty(settings: TransformSettings) -> EdgeBatch {
        let fold = EdgeFold(settings: settings)
        let (edges, wide, dropped) = fold.projections()
        return EdgeBatch(header: BatchHeader(
            transformVersion: TransformVersion.current, settings: settings.record, inputs: [], skippedInputs: [],
            items: fold.items, dropped: dropped, edgeRows: edges.count, wideRows: wide.count, rowsSha256: ""), edges: edges, wide: wide)
    }

    private func refuseOrSkip(_ error: SegmentError, skipped: inout [SkippedInput], warnings: inout [String]) throws(TransformError) {
        guard skipCorrupt else { throw TransformError(.corruptInput, error.description + "; pass --skip-corrupt to fold the other inputs without it") }
        let name = (error.path as NSString).lastPathComponent
        skipped.append(SkippedInput(segment: name, error: error.description))
        warnings.append("skipped \(error.description)")
    }

    static func describe(_ reader: SegmentReader, sha256: String) -> BatchInput {
        BatchInput(
            segment: (reader.path as NSString).lastPathComponent, sha256: sha256, cluster: reader.header.cluster,
            captureId: reader.header.captureId, windowStart: reader.header.windowStart, windowEnd: reader.header.windowEnd,
            records: reader.footer.recordCount, minStart: reader.footer.minStart, maxEnd: reader.footer.maxEnd,
            seal: reader.footer.seal.rawValue, coverage: reader.footer.coverage)
    }
}

public struct TransformError: Error, CustomStringConvertible {
    public enum Code: Sendable {
        /// An argument names nothing usable (missing path, no segments).
        case badInput
        /// An input is corrupt or unsealed.
        case corruptInput
        /// The output could not be written.
        case output
    }

    public var code: Code
    public var message: String
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }
    public var description: String { message }
}
