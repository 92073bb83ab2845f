import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One capture per archive at a time: an exclusive `flock` on the archive directory itself
/// (no lock file is left behind), held for the run; the kernel releases it when the process
/// ends, however it ends. A second run would otherwise recover the first one's partial file
/// from under it, and capture the same window twice.
final class ArchiveLock {
    private let descriptor: Int32

    init(archive: String, cluster: String) throws(CaptureError) {
        do {
            try FileManager.default.createDirectory(atPath: archive, withIntermediateDirectories: true)
        } catch {
            throw CaptureError(.archive, "cannot create the archive directory \(archive): \(error.localizedDescription)", cause: error)
        }
        descriptor = open(archive, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw CaptureError(.archive, "cannot open the archive directory \(archive): \(String(cString: strerror(errno)))")
        }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            close(descriptor)
            throw CaptureError(.busy, "another capture is running on \(archive) (it holds a lock on the directory): wait for it to finish; CronJobs should use concurrencyPolicy: Forbid")
        }
    }

    deinit { close(descriptor) }
}
