import TrailFormat

/// Folds FlowResult records that are not in a segment (a fuzzer's input, a test's): each
/// record is checked as a segment reader would check it (parse, `BucketTime`), sorted into
/// bucket order, and folded. The result is what `transform` would produce for a segment
/// holding these records in a window ending at `windowEnd`.
package enum LooseRecordFold {
    package static func fold(_ records: [[UInt8]], windowEnd: Int64, settings: TransformSettings = TransformSettings(),
                             cluster: String = "") -> EdgeBatch {
        let fold = EdgeFold(settings: settings)
        fold.beginCluster(fold.clusterIndex(cluster))
        var accepted: [(start: Int64, index: Int)] = []
        for (index, record) in records.enumerated() {
            let view = record.withUnsafeBytes { FlowRecordView(record: $0) }
            guard let view else {
                fold.dropRecord(.malformed, at: location(index), detail: "not a FlowResult message")
                continue
            }
            if let problem = BucketTime.check(start: view.startTime, end: view.endTime, windowEnd: windowEnd) {
                fold.dropRecord(.badBucketTime, at: location(index), detail: problem.rawValue)
                continue
            }
            accepted.append((view.startTime, index))
        }
        accepted.sort { ($0.start, $0.index) < ($1.start, $1.index) }
        var bucket: Int64? = nil
        for (start, index) in accepted {
            if bucket != start {
                if bucket != nil { fold.endBucket() }
                fold.beginBucket(start)
                bucket = start
            }
            records[index].withUnsafeBytes { bytes in
                if let view = FlowRecordView(record: bytes) { fold.add(record: bytes, view: view) }
            }
        }
        if bucket != nil { fold.endBucket() }
        let (edges, wide, policy, dropped) = fold.projections()
        let header = BatchHeader(
            transformVersion: TransformVersion.current, settings: settings.record, inputs: [], skippedInputs: [],
            items: fold.items, dropped: dropped, edgeRows: edges.count, wideRows: wide.count, policyRows: policy.count, rowsSha256: "")
        return EdgeBatch(header: header, edges: edges, wide: wide, policy: policy)
    }

    private static func location(_ index: Int) -> RecordLocation {
        RecordLocation(path: "(records)", frame: 0, frameOffset: 0, record: index, byteInFrame: 0)
    }
}
