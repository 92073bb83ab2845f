#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

private let systemWrite = write
private let systemRename = rename

/// An open file descriptor with the few POSIX calls the archive needs, each failure
/// turned into a `SegmentError` naming the file.
package final class FileHandleIO {
    package let path: String
    let descriptor: Int32

    package init(path: String, flags: Int32, mode: mode_t = 0o644) throws(SegmentError) {
        if RemoteArchives.isRemote(path) {
            // An object of a remote archive: fetched into a local file that has no name.
            guard flags & (O_WRONLY | O_RDWR) == 0 else {
                throw SegmentError(.invalidArgument, path: path, offset: nil, "an object of a remote archive is written by capture's upload, never in place")
            }
            self.path = path
            descriptor = try RemoteArchives.fetch(path)
            return
        }
        self.path = path
        let fd = open(path, flags | O_CLOEXEC, mode)
        guard fd >= 0 else { throw SegmentError(.io, path: path, offset: nil, "cannot open: \(Self.errnoText())") }
        descriptor = fd
    }

    /// Takes over `descriptor` (closed with this handle); `path` names it in errors.
    package init(descriptor: Int32, path: String) {
        self.path = path
        self.descriptor = descriptor
    }

    deinit { close(descriptor) }

    package func size() throws(SegmentError) -> Int {
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { throw failure("cannot stat") }
        return Int(info.st_size)
    }

    /// Reads exactly `count` bytes at `offset` (fewer only at the end of the file).
    package func read(at offset: Int, count: Int) throws(SegmentError) -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: count)
        let got = try read(at: offset, into: &buffer)
        if got < count { buffer.removeSubrange(got...) }
        return buffer
    }

    package func read(at offset: Int, into buffer: inout [UInt8], count: Int? = nil) throws(SegmentError) -> Int {
        var done = 0
        let wanted = min(count ?? buffer.count, buffer.count)
        while done < wanted {
            let result = buffer.withUnsafeMutableBytes { raw in
                pread(descriptor, raw.baseAddress! + done, wanted - done, off_t(offset + done))
            }
            if result < 0 {
                if errno == EINTR { continue }
                throw failure("cannot read at byte \(offset + done)")
            }
            if result == 0 { break }
            done += result
        }
        return done
    }

    package func write(_ bytes: [UInt8]) throws(SegmentError) {
        var done = 0
        while done < bytes.count {
            let result = bytes.withUnsafeBytes { raw in
                systemWrite(descriptor, raw.baseAddress! + done, bytes.count - done)
            }
            if result < 0 {
                if errno == EINTR { continue }
                throw failure("cannot write")
            }
            done += result
        }
    }

    package func truncate(to length: Int) throws(SegmentError) {
        guard ftruncate(descriptor, off_t(length)) == 0 else { throw failure("cannot truncate to \(length) bytes") }
        guard lseek(descriptor, off_t(length), SEEK_SET) >= 0 else { throw failure("cannot seek") }
    }

    package func sync() throws(SegmentError) {
        guard fsync(descriptor) == 0 else { throw failure("cannot fsync") }
    }

    /// Sets the file's permission bits (`chmod`), whatever the umask.
    package func setPermissions(_ mode: mode_t) throws(SegmentError) {
        guard fchmod(descriptor, mode) == 0 else { throw failure("cannot set permissions") }
    }

    func failure(_ what: String) -> SegmentError {
        SegmentError(.io, path: path, offset: nil, "\(what): \(Self.errnoText())")
    }

    static func errnoText() -> String { String(cString: strerror(errno)) }
}

/// Durable rename: the file's data is synced before, the directory entry after.
package enum DurableRename {
    package static func rename(from source: String, to destination: String) throws(SegmentError) {
        guard systemRename(source, destination) == 0 else {
            throw SegmentError(.io, path: source, offset: nil, "cannot rename to \(destination): \(FileHandleIO.errnoText())")
        }
        try syncDirectory(of: destination)
    }

    package static func syncDirectory(of path: String) throws(SegmentError) {
        let directory = parentDirectory(of: path)
        let directoryHandle = try FileHandleIO(path: directory, flags: O_RDONLY | O_DIRECTORY)
        try directoryHandle.sync()
    }

    package static func parentDirectory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        let parent = String(path[..<slash])
        return parent.isEmpty ? "/" : parent
    }
}
