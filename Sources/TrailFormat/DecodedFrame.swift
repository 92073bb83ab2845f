/// One decompressed data frame and the byte ranges of its records. The bytes stay valid
/// as long as the frame object lives.
public final class DecodedFrame {
    let storage: UnsafeMutableRawBufferPointer
    /// The frame's decompressed content.
    public let bytes: UnsafeRawBufferPointer
    /// Start offset and length of each record inside `bytes`.
    public let recordStarts: [Int32]
    public let recordLengths: [Int32]

    init(storage: UnsafeMutableRawBufferPointer, contentSize: Int, recordStarts: [Int32], recordLengths: [Int32]) {
        self.storage = storage
        bytes = UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(storage)[0..<contentSize])
        self.recordStarts = recordStarts
        self.recordLengths = recordLengths
    }

    deinit { storage.deallocate() }

    public var recordCount: Int { recordStarts.count }

    @inline(__always)
    public func record(_ index: Int) -> UnsafeRawBufferPointer {
        let start = Int(recordStarts[index])
        return UnsafeRawBufferPointer(rebasing: bytes[start..<start + Int(recordLengths[index])])
    }

    /// Decompresses one frame (checking its content checksum) and splits it into records.
    /// `offset` is the frame's position in the file, for error messages.
    public static func decode(
        _ compressed: [UInt8], path: String, offset: Int, expectedContentSize: Int?, context: Zstd.DecompressionContext
    ) throws(SegmentError) -> DecodedFrame {
        let result = compressed.withUnsafeBytes { source in
            Result { () throws(SegmentError) in
                try decode(source, path: path, offset: offset, expectedContentSize: expectedContentSize, context: context)
            }
        }
        return try result.get()
    }

    static func decode(
        _ source: UnsafeRawBufferPointer, path: String, offset: Int, expectedContentSize: Int?, context: Zstd.DecompressionContext
    ) throws(SegmentError) -> DecodedFrame {
        guard let frameSize = Zstd.frameSize(at: source) else {
            throw SegmentError(.truncatedFrame, path: path, offset: offset, "data frame is truncated or its frame header is corrupt")
        }
        guard frameSize == source.count else {
            throw SegmentError(.corruptFrame, path: path, offset: offset, "data frame is \(frameSize) bytes, expected \(source.count)")
        }
        guard let contentSize = Zstd.declaredContentSize(of: source) else {
            throw SegmentError(.corruptFrame, path: path, offset: offset, "data frame does not declare its content size")
        }
        if let expectedContentSize, expectedContentSize != contentSize {
            throw SegmentError(.footerMismatch, path: path, offset: offset, "data frame holds \(contentSize) bytes, the footer says \(expectedContentSize)")
        }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(contentSize, 1), alignment: 8)
        let written: Int
        do throws(ZstdError) {
            written = try Zstd.decompressFrame(source, into: buffer, context: context)
        } catch {
            buffer.deallocate()
            throw SegmentError(.corruptFrame, path: path, offset: offset, "data frame is corrupt: \(error.reason)")
        }
        guard written == contentSize else {
            buffer.deallocate()
            throw SegmentError(.corruptFrame, path: path, offset: offset, "data frame decompressed to \(written) bytes, it declares \(contentSize)")
        }
        var starts: [Int32] = []
        var lengths: [Int32] = []
        let content = UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(buffer)[0..<contentSize])
        var position = 0
        while position < contentSize {
            guard let (length, next) = Varint.decode(content, at: position),
                  length <= UInt64(SegmentLayout.maxRecordSize), next + Int(length) <= contentSize else {
                buffer.deallocate()
                throw SegmentError(.badRecordFraming, path: path, offset: offset,
                    "record \(starts.count) at byte \(position) of the frame's content has a length prefix that runs past the frame")
            }
            starts.append(Int32(next))
            lengths.append(Int32(length))
            position = next + Int(length)
        }
        return DecodedFrame(storage: buffer, contentSize: contentSize, recordStarts: starts, recordLengths: lengths)
    }
}
