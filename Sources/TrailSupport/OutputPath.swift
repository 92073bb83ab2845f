#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where an output named on the command line is written. A regular file (or a new one) is
/// replaced atomically; a device or pipe (/dev/null, /dev/stdout, a FIFO) is written to in
/// place, never replaced: as root, a rename over /dev/null would swap the device for a file.
/// A symbolic link is followed to what it names first.
package enum OutputPath {
    package static func resolve(_ path: String) -> (path: String, replaceable: Bool) {
        var status = stat()
        guard lstat(path, &status) == 0 else { return (path, true) }
        var target = path
        if status.st_mode & S_IFMT == S_IFLNK {
            // /dev/stdout on a pipe names "pipe:[…]", which realpath cannot resolve: write through the link.
            guard let resolved = realpath(path, nil) else { return (path, false) }
            target = String(cString: resolved)
            free(resolved)
            guard stat(target, &status) == 0 else { return (path, false) }
        }
        let type = status.st_mode & S_IFMT
        return (target, type == S_IFREG || type == S_IFDIR)
    }
}
