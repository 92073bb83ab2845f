/// One decompressed data frame and the byte ranges of its records. The bytes stay valid
/// until the frame is dropped or reloaded with another frame (a reader reuses one buffer
/// per cursor, so reading a segment allocates once, not once per frame).
package final class DecodedFrame {
    private var storage: UnsafeMutableRawBufferPointer
    /// The frame's decompressed content.
    @exclusivity(unchecked) package private(set) var bytes: UnsafeRawBufferPointer
    /// Start offset and length of each record inside `bytes`.
    @exclusivity(unchecked) package private(set) var recordStarts: [Int32] = []
    @exclusivity(unchecked) package private(set) var recordLengths: [Int32] = []
    /// Each record parsed (`parseRecords`; nil: not a FlowResult message), or empty when not
    /// parsed: a walker's frames are parsed on the thread that decompresses them.
    @exclusivity(unchecked) package private(set) var views: [FlowRecordView?] = []
    /// Each record's FlowKey `KeyHash` (0: no key), made with `views` by `parseRecords(hashKeys: true)`;
    /// else empty.
    @exclusivity(unchecked) package private(set) var keyHashes: [UInt64] = []

    package init() {
        storage = .allocate(byteCount: 1, alignment: 8)
        bytes = UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(storage)[0..<0])
    }

    deinit { storage.deallocate() }

    package var recordCount: Int { recordStarts.count }

    /// Where record `index`'s bytes start in the frame's content (after its length prefix).
    package func recordOffset(_ index: Int) -> Int { Int(recordStarts[index]) }

    /// Parses every record (`FlowRecordView`), for `view`, and with `hashKeys` hashes its
    /// FlowKey, for `keyHash` (else `keyHashes` is empty).
    package func parseRecords(hashKeys: Bool = false) {
        views.removeAll(keepingCapacity: true)
        views.reserveCapacity(recordCount)
        keyHashes.removeAll(keepingCapacity: true)
        guard hashKeys else {
            for index in 0..<recordCount { views.append(FlowRecordView(record: record(index))) }
            return
        }
        keyHashes.reserveCapacity(recordCount)
        for index in 0..<recordCount {
            let bytes = record(index)
            let view = FlowRecordView(record: bytes)
            views.append(view)
            if let view, view.hasKey {
                keyHashes.append(KeyHash.of(UnsafeRawBufferPointer(rebasing: bytes[view.keyRange])))
            } else {
                keyHashes.append(0)
            }
        }
    }

    /// Record `index`'s FlowKey hash, when the frame was parsed with `hashKeys`.
    @inline(__always)
    package func keyHash(_ index: Int) -> UInt64? { index < keyHashes.count ? keyHashes[index] : nil }

    /// Record `index` parsed (`parseRecords` first).
    @inline(__always)
    package func view(_ index: Int) -> FlowRecordView? { views[index] }

    @inline(__always)
    package func record(_ index: Int) -> UnsafeRawBufferPointer {
        let start = Int(recordStarts[index])
        return UnsafeRawBufferPointer(rebasing: bytes[start..<start + Int(recordLengths[index])])
    }

    /// Decompresses one frame (checking its content checksum) and splits it into records.
    /// `offset` is the frame's position in the file, for error messages.
    package static func decode(
        _ compressed: [UInt8], path: String, offset: Int, expectedContentSize: Int?, context: Zstd.DecompressionContext
    ) throws(SegmentError) -> DecodedFrame {
        let frame = DecodedFrame()
        try frame.load(compressed, count: compressed.count, path: path, offset: offset, expectedContentSize: expectedContentSize, context: context)
        return frame
    }

    /// Replaces this frame's content with the frame in `compressed[0..<count]`.
    package func load(
        _ compressed: [UInt8], count: Int, path: String, offset: Int, expectedContentSize: Int?, context: Zstd.DecompressionContext
    ) throws(SegmentError) {
        let result = compressed.withUnsafeBytes { source in
            Result { () throws(SegmentError) in
                try load(UnsafeRawBufferPointer(rebasing: source[0..<count]), path: path, offset: offset,
                         expectedContentSize: expectedContentSize, context: context)
            }
        }
        try result.get()
    }

    private func load(
        _ source: UnsafeRawBufferPointer, path: String, offset: Int, expectedContentSize: Int?, context: Zstd.DecompressionContext
    ) throws(SegmentError) {
        recordStarts.removeAll(keepingCapacity: true)
        recordLengths.removeAll(keepingCapacity: true)
        views.removeAll(keepingCapacity: true)
        keyHashes.removeAll(keepingCapacity: true)
        bytes = UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(storage)[0..<0])
        guard let frameSize = Zstd.frameSize(at: source) else {
            throw SegmentError(.truncatedFrame, path: path, offset: offset, "data frame is truncated or its frame header is corrupt")
        }
        guard frameSize == source.count else {
            throw SegmentError(.corruptFrame, path: path, offset: offset, "data frame is \(frameSize) bytes, expected \(source.count)")
        }
        guard Zstd.declaresContentChecksum(source) else {
            throw SegmentError(.corruptFrame, path: path, offset: offset, "data frame has no content checksum (the format requires one on every frame)")
        }
        guard let contentSize = Zstd.declaredContentSize(of: source) else {
            throw SegmentError(.corruptFrame, path: path, offset: offset, "data frame does not declare its content size")
        }
        if let expectedContentSize, expectedContentSize != contentSize {
            throw SegmentError(.footerMismatch, path: path, offset: offset, "data frame holds \(contentSize) bytes, the footer says \(expectedContentSize)")
        }
        guard contentSize <= SegmentLayout.maxFrameContentSize else {
            throw SegmentError(.corruptFrame, path: path, offset: offset, "data frame declares \(contentSize) bytes, more than the format allows")
        }
        if storage.count < contentSize {
            storage.deallocate()
            storage = .allocate(byteCount: contentSize, alignment: 8)
        }
        let written: Int
        do throws(ZstdError) {
            written = try Zstd.decompressFrame(source, into: storage, context: context)
        } catch {
            throw SegmentError(.corruptFrame, path: path, offset: offset, "data frame is corrupt: \(error.reason)")
        }
        guard written == contentSize else {
            throw SegmentError(.corruptFrame, path: path, offset: offset, "data frame decompressed to \(written) bytes, it declares \(contentSize)")
        }
        let content = UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(storage)[0..<contentSize])
        var position = 0
        while position < contentSize {
            guard let (length, next) = Varint.decode(content, at: position),
                  length <= UInt64(SegmentLayout.maxRecordSize), next + Int(length) <= contentSize else {
                recordStarts.removeAll(keepingCapacity: true)
                recordLengths.removeAll(keepingCapacity: true)
                throw SegmentError(.badRecordFraming, path: path, offset: offset,
                    "record \(recordStarts.count) at byte \(position) of the frame's content has a length prefix that runs past the frame")
            }
            guard recordStarts.count < SegmentLayout.maxRecordsPerFrame else {
                recordStarts.removeAll(keepingCapacity: true)
                recordLengths.removeAll(keepingCapacity: true)
                throw SegmentError(.corruptFrame, path: path, offset: offset,
                    "data frame holds more than \(SegmentLayout.maxRecordsPerFrame) records (the format's limit; empty records count too)")
            }
            recordStarts.append(Int32(next))
            recordLengths.append(Int32(length))
            position = next + Int(length)
        }
        bytes = content
    }
}
