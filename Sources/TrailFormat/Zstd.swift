import CZstd

/// The few libzstd calls the archive needs: one-shot frames with the content size and
/// content checksum recorded, and the frame probes a reader and recovery need.
package enum Zstd {
    /// Compresses `input` into one independent zstd frame that carries its content size
    /// and a content checksum (the frame is the archive's unit of integrity).
    package static func compressFrame(_ input: UnsafeRawBufferPointer, level: Int32) throws(ZstdError) -> [UInt8] {
        guard let context = ZSTD_createCCtx() else { throw ZstdError(operation: "create a compression context", code: 0) }
        defer { ZSTD_freeCCtx(context) }
        try check(ZSTD_CCtx_setParameter(context, ZSTD_c_compressionLevel, level), "set the compression level")
        try check(ZSTD_CCtx_setParameter(context, ZSTD_c_checksumFlag, 1), "enable frame checksums")
        try check(ZSTD_CCtx_setParameter(context, ZSTD_c_contentSizeFlag, 1), "enable content sizes")
        let bound = ZSTD_compressBound(input.count)
        var output = [UInt8](repeating: 0, count: bound)
        let written = output.withUnsafeMutableBytes { out in
            ZSTD_compress2(context, out.baseAddress, out.count, input.baseAddress, input.count)
        }
        try check(written, "compress a frame")
        output.removeSubrange(written...)
        return output
    }

    /// The size of the zstd frame at the start of `bytes`, or nil when `bytes` does not
    /// hold a whole well-formed frame (truncated or corrupt).
    package static func frameSize(at bytes: UnsafeRawBufferPointer) -> Int? {
        let size = ZSTD_findFrameCompressedSize(bytes.baseAddress, bytes.count)
        return ZSTD_isError(size) != 0 ? nil : size
    }

    /// The decompressed size a frame declares, or nil when it declares none.
    package static func declaredContentSize(of frame: UnsafeRawBufferPointer) -> Int? {
        let size = ZSTD_getFrameContentSize(frame.baseAddress, frame.count)
        if size == ZSTD_CONTENTSIZE_UNKNOWN || size == ZSTD_CONTENTSIZE_ERROR { return nil }
        return Int(size)
    }

    /// True when the frame's header sets the content checksum flag (bit 2 of the frame
    /// header descriptor, RFC 8878 §3.1.1.1.1), which the format requires of every data frame.
    package static func declaresContentChecksum(_ frame: UnsafeRawBufferPointer) -> Bool {
        frame.count > 4 && frame.loadUnaligned(as: UInt32.self).littleEndian == 0xFD2F_B528 && frame[4] & 0x04 != 0
    }

    /// Decompresses exactly one frame into `destination`, verifying its content checksum.
    /// Returns the number of bytes written.
    package static func decompressFrame(
        _ frame: UnsafeRawBufferPointer, into destination: UnsafeMutableRawBufferPointer,
        context: DecompressionContext
    ) throws(ZstdError) -> Int {
        let written = ZSTD_decompressDCtx(
            context.pointer, destination.baseAddress, destination.count, frame.baseAddress, frame.count)
        try check(written, "decompress a frame")
        return written
    }

    static func check(_ result: Int, _ operation: String) throws(ZstdError) {
        if ZSTD_isError(result) != 0 { throw ZstdError(operation: operation, code: result) }
    }

    /// A reusable decompression context (one per reader; not shared between threads).
    package final class DecompressionContext {
        let pointer: OpaquePointer
        package init() {
            guard let context = ZSTD_createDCtx() else { fatalError("libzstd could not allocate a context") }
            pointer = context
        }
        deinit { ZSTD_freeDCtx(pointer) }
    }
}

/// A libzstd failure, with libzstd's own name for it (e.g. "Restored data doesn't match checksum").
package struct ZstdError: Error, CustomStringConvertible {
    package let operation: String
    package let code: Int
    package var reason: String {
        code == 0 ? "out of memory" : String(cString: ZSTD_getErrorName(code))
    }
    package var description: String { "zstd could not \(operation): \(reason)" }
}
