/// Walks the data frames of a segment's bytes without trusting its footer: the common
/// ground of `verify` (which reports the first problem) and recovery (which cuts there).
package struct FrameScanner {
    package struct Outcome {
        package var frames: [FrameEntry] = []
        /// Offset just past the last good frame.
        package var goodEnd: Int
        /// The first problem, or nil when the scan reached `limit` cleanly.
        package var problem: SegmentError?
    }

    /// Scans `bytes[dataStart..<limit]`.
    package static func scan(_ bytes: UnsafeRawBufferPointer, path: String, dataStart: Int, limit: Int) -> Outcome {
        var outcome = Outcome(goodEnd: dataStart)
        let context = Zstd.DecompressionContext()
        var offset = dataStart
        var lastStart: Int64 = .min
        while offset < limit {
            let rest = UnsafeRawBufferPointer(rebasing: bytes[offset..<limit])
            if rest.count >= 4 {
                let magic = UInt32(rest[0]) | UInt32(rest[1]) << 8 | UInt32(rest[2]) << 16 | UInt32(rest[3]) << 24
                if magic == SegmentLayout.footerFrameMagic {
                    outcome.problem = SegmentError(.notSealed, path: path, offset: offset,
                        "footer at byte \(offset) is incomplete: the file was cut after \(outcome.frames.count) data frames")
                    return outcome
                }
                if magic & 0xFFFF_FFF0 == 0x184D_2A50 {
                    outcome.problem = SegmentError(.corruptFrame, path: path, offset: offset, "unexpected skippable frame among the data frames")
                    return outcome
                }
            }
            guard let size = Zstd.frameSize(at: rest) else {
                outcome.problem = SegmentError(.truncatedFrame, path: path, offset: offset,
                    "data frame \(outcome.frames.count) at byte \(offset) is truncated or its frame header is corrupt (\(rest.count) bytes follow)")
                return outcome
            }
            let frameBytes = Array(UnsafeRawBufferPointer(rebasing: rest[0..<size]))
            let frame: DecodedFrame
            do {
                frame = try DecodedFrame.decode(frameBytes, path: path, offset: offset, expectedContentSize: nil, context: context)
            } catch {
                outcome.problem = error
                return outcome
            }
            guard frame.recordCount > 0 else {
                outcome.problem = SegmentError(.corruptFrame, path: path, offset: offset, "data frame \(outcome.frames.count) holds no records")
                return outcome
            }
            var firstStart: Int64? = nil
            var frameLast: Int64 = 0
            var maxEnd: Int64 = .min
            for index in 0..<frame.recordCount {
                // A record that is not a FlowResult is what Goldmane sent: it is kept, and takes
                // no part in the order and time checks (SegmentWalker treats it the same way).
                guard let record = FlowRecordView(record: frame.record(index)) else { continue }
                guard record.startTime >= lastStart else {
                    outcome.problem = SegmentError(.outOfOrder, path: path, offset: offset,
                        "record \(index) of data frame \(outcome.frames.count) has bucket start \(record.startTime), before \(lastStart): records must be in bucket order")
                    return outcome
                }
                if firstStart == nil { firstStart = record.startTime }
                lastStart = record.startTime
                frameLast = record.startTime
                maxEnd = max(maxEnd, record.endTime)
            }
            outcome.frames.append(FrameEntry(
                offset: offset, compressedSize: size, contentSize: frame.bytes.count, records: frame.recordCount,
                firstStart: firstStart ?? 0, lastStart: frameLast, maxEnd: maxEnd))
            offset += size
            outcome.goodEnd = offset
        }
        return outcome
    }
}
