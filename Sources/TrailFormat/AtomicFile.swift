#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import TrailSupport

/// Writes a whole file so that a reader sees the old content or the new, never part of it,
/// and a crash or a power loss leaves one of the two: the bytes go to a temporary file beside
/// the target (the same directory, so the rename stays on one file system), which is fsynced,
/// renamed over the target, and then the directory is fsynced. A replaced file keeps its
/// permission bits. A failure removes the temporary file; the target is left as it was unless
/// the failure was the directory's fsync, after the rename.
///
/// A device or pipe (/dev/null, /dev/stdout, a FIFO) is written to in place, never replaced
/// (see `OutputPath`).
package enum AtomicFile {
    package static func write(_ bytes: [UInt8], to path: String) throws(SegmentError) {
        try write(to: path) { file throws(SegmentError) in try file.write(bytes) }
    }

    /// The same, with the content written by `body` in as many pieces as it likes (a file
    /// larger than memory should hold at once).
    package static func write(to path: String, _ body: (FileHandleIO) throws(SegmentError) -> Void) throws(SegmentError) {
        let target = OutputPath.resolve(path)
        guard target.replaceable else {
            let file = try FileHandleIO(path: target.path, flags: O_WRONLY)
            try body(file)
            return
        }
        let permissions = regularFilePermissions(target.path)
        let temporary = temporaryPath(for: target.path)
        do throws(SegmentError) {
            let file = try FileHandleIO(path: temporary, flags: O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW)
            if let permissions { try file.setPermissions(permissions) }
            try body(file)
            try file.sync()
            try DurableRename.rename(from: temporary, to: target.path)
        } catch {
            unlink(temporary)
            throw error
        }
    }

    /// `<directory>/.<name>.<pid>.tmp`: hidden, beside the target, and this process's own (two
    /// processes writing the same target never share one; a killed run's is reused by the next
    /// run with its process id, as in a container).
    static func temporaryPath(for path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return ".\(path).\(getpid()).tmp" }
        let directory = path[...slash]
        let name = path[path.index(after: slash)...]
        return "\(directory).\(name).\(getpid()).tmp"
    }

    /// The permission bits of the regular file at `path`; nil when there is none.
    static func regularFilePermissions(_ path: String) -> mode_t? {
        var status = stat()
        guard stat(path, &status) == 0, status.st_mode & S_IFMT == S_IFREG else { return nil }
        return status.st_mode & 0o777
    }
}
