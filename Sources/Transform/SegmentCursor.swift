import TrailFormat

/// Reads one sealed segment record by record, one frame in memory at a time, and checks
/// that records come in bucket order.
final class SegmentCursor {
    let reader: SegmentReader
    @exclusivity(unchecked) private var frameIndex = -1
    @exclusivity(unchecked) private var frame: DecodedFrame?
    @exclusivity(unchecked) private var recordIndex = 0
    @exclusivity(unchecked) private(set) var record = UnsafeRawBufferPointer(start: nil, count: 0)
    @exclusivity(unchecked) private(set) var view = FlowRecordView()
    @exclusivity(unchecked) private(set) var isExhausted = false

    init(path: String) throws(SegmentError) {
        reader = try SegmentReader(path: path)
        try advance()
    }

    /// The bucket start of the current record.
    var start: Int64 { view.startTime }

    func advance() throws(SegmentError) {
        let previous = isExhausted || frame == nil ? Int64.min : view.startTime
        while true {
            if let frame, recordIndex < frame.recordCount {
                let bytes = frame.record(recordIndex)
                let offset = reader.footer.frames[frameIndex].offset
                guard let parsed = FlowRecordView(record: bytes) else {
                    throw SegmentError(.badRecordFraming, path: reader.path, offset: offset,
                        "record \(recordIndex) of data frame \(frameIndex) is not a valid FlowResult message")
                }
                guard parsed.startTime >= previous else {
                    throw SegmentError(.outOfOrder, path: reader.path, offset: offset,
                        "record \(recordIndex) of data frame \(frameIndex) has bucket start \(parsed.startTime), before \(previous)")
                }
                recordIndex += 1
                record = bytes
                view = parsed
                return
            }
            frameIndex += 1
            guard frameIndex < reader.frameCount else {
                isExhausted = true
                frame = nil
                return
            }
            frame = try reader.readFrame(frameIndex, reusing: frame)
            recordIndex = 0
        }
    }
}
