#if canImport(Glibc)
import CLinux
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

private let writeBytes = write

/// Writes a large file's bytes past the page cache (O_DIRECT) where the file system allows
/// it: a batch of a hundred megabytes is written once and fsynced, so caching it buys nothing,
/// and on a virtual machine whose free memory goes back to the host, the page cache's fresh
/// pages cost more than the disk (measured: buffered, 0.03 to 1.05 s for 109 MB; direct, 0.05
/// to 0.07 s). Bytes are gathered in an aligned buffer and written a whole buffer at a time;
/// the last, unaligned bytes are written buffered. Where O_DIRECT is refused (tmpfs, a pipe),
/// every byte is written buffered, and so is everything but a regular file. The file's bytes
/// are the same either way.
package final class UncachedWriter {
    private let file: FileHandleIO
    private let buffer: UnsafeMutableRawBufferPointer
    private var filled = 0
    private var direct: Bool
    /// Whether the file is a regular file (which `overwrite` can go back into).
    package let isRegularFile: Bool

    /// Whether bytes now go past the page cache.
    package var isDirect: Bool { direct }

    /// Direct I/O wants addresses, sizes and offsets in multiples of the block size.
    static let alignment = 4096
    static let bufferSize = 4 << 20

    package init(file: FileHandleIO) {
        self.file = file
        buffer = .allocate(byteCount: Self.bufferSize, alignment: Self.alignment)
        // Regular files only: on a pipe, O_DIRECT means packets, which a reader can truncate.
        var status = stat()
        isRegularFile = fstat(file.descriptor, &status) == 0 && status.st_mode & S_IFMT == S_IFREG
        direct = isRegularFile && Self.setDirect(file.descriptor, true)
    }

    deinit { buffer.deallocate() }

    package func write(_ bytes: [UInt8]) throws(SegmentError) {
        var offset = 0
        while offset < bytes.count {
            let count = min(bytes.count - offset, buffer.count - filled)
            bytes.withUnsafeBytes { source in
                (buffer.baseAddress! + filled).copyMemory(from: source.baseAddress! + offset, byteCount: count)
            }
            filled += count
            offset += count
            if filled == buffer.count { try flush(count: filled) }
        }
    }

    /// Writes what is left (the aligned part directly, the rest buffered).
    package func finish() throws(SegmentError) {
        let aligned = filled / Self.alignment * Self.alignment
        if direct && aligned > 0 { try flush(count: aligned) }
        if filled > 0 {
            if direct {
                direct = false
                _ = Self.setDirect(file.descriptor, false)
            }
            try flush(count: filled)
        }
    }

    /// After `finish`, writes `bytes` over the file's bytes at `offset` (buffered; a regular
    /// file only): a header whose content was known only at the end.
    package func overwrite(_ bytes: [UInt8], at offset: Int) throws(SegmentError) {
        precondition(isRegularFile && filled == 0, "overwrite goes back into a regular file, after finish")
        if direct {
            direct = false
            _ = Self.setDirect(file.descriptor, false)
        }
        var done = 0
        while done < bytes.count {
            let result = bytes.withUnsafeBytes { pwrite(file.descriptor, $0.baseAddress! + done, bytes.count - done, off_t(offset + done)) }
            if result < 0 {
                if errno == EINTR { continue }
                throw SegmentError(.io, path: file.path, offset: offset + done, "cannot write: \(FileHandleIO.errnoText())")
            }
            done += result
        }
    }

    /// Writes the buffer's first `count` bytes and keeps the rest at its start.
    private func flush(count: Int) throws(SegmentError) {
        var done = 0
        while done < count {
            let result = writeBytes(file.descriptor, buffer.baseAddress! + done, count - done)
            if result < 0 {
                if errno == EINTR { continue }
                if errno == EINVAL && direct && done == 0 {
                    // The file system refuses direct writes after all: buffered from here on.
                    direct = false
                    _ = Self.setDirect(file.descriptor, false)
                    continue
                }
                throw SegmentError(.io, path: file.path, offset: nil, "cannot write: \(FileHandleIO.errnoText())")
            }
            done += result
        }
        let left = filled - count
        if left > 0 { buffer.baseAddress!.copyMemory(from: buffer.baseAddress! + count, byteCount: left) }
        filled = left
    }

    /// Turns O_DIRECT on or off; false when the descriptor does not take it.
    private static func setDirect(_ descriptor: Int32, _ on: Bool) -> Bool {
        #if canImport(Glibc)
        let flags = fcntl(descriptor, F_GETFL)
        guard flags >= 0 else { return false }
        let wanted = on ? flags | trail_o_direct() : flags & ~trail_o_direct()
        return fcntl(descriptor, F_SETFL, wanted) == 0
        #else
        return false
        #endif
    }
}
