import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// An archive on an object store, named by a URL (`s3://BUCKET/PREFIX`). Its objects are named
/// like the files of an archive directory (`CLUSTER/DAY/NAME.seg` under the prefix), so every
/// path-based reader of TrailFormat reads them: `FileHandleIO` fetches an object into a local
/// file without a name, which lives while the reader does (one segment at a time, never the
/// whole archive), and `ArchiveListing` lists the objects.
package protocol RemoteArchive: Sendable {
    /// The URL every object's URL starts with (`s3://BUCKET/PREFIX/`, canonical: however
    /// the archive was named).
    var rootURL: String { get }
    /// The URLs of every object under the archive's prefix, each once, sorted.
    func objectURLs() throws(SegmentError) -> [String]
    /// Fetches the object at `url` into a file that has no name, and returns its descriptor
    /// (positioned at the start; the caller closes it).
    func fetch(_ url: String) throws(SegmentError) -> Int32
    /// Removes the object at `url` (prune, compact); no error when it is gone already.
    func remove(_ url: String) throws(SegmentError)
    /// Puts the local file `path` as the object `url` if no object has that name (a
    /// conditional put), checked by the store against its MD5 and SHA-256; false when an
    /// object has the name already (left as it is).
    func store(_ path: String, as url: String) throws(SegmentError) -> Bool
}

/// Where the readers find remote archives: the program installs an opener for each URL scheme
/// it speaks (the executable installs S3's), before any job runs.
package enum RemoteArchives {
    /// The URL schemes a path may start with to name a remote archive or object.
    package static let schemes = ["s3://"]

    package typealias Opener = @Sendable (_ url: String) throws(SegmentError) -> any RemoteArchive

    private static let opener = Mutex<Opener?>(nil)

    /// Whether `path` names a remote archive or object rather than a local file.
    package static func isRemote(_ path: String) -> Bool {
        schemes.contains { path.hasPrefix($0) }
    }

    /// Installs the opener of remote archives (the last installed wins).
    package static func install(_ open: @escaping Opener) {
        opener.withLock { $0 = open }
    }

    /// The remote archive `url` names (an archive or one of its objects).
    package static func open(_ url: String) throws(SegmentError) -> any RemoteArchive {
        guard let open = opener.withLock({ $0 }) else {
            throw SegmentError(.invalidArgument, path: url, offset: nil, "this program reads no remote archives")
        }
        return try open(url)
    }

    static func fetch(_ url: String) throws(SegmentError) -> Int32 {
        try open(url).fetch(url)
    }

    /// Removes a file of a local archive (`unlink`, then the directory synced) or an object of
    /// a remote one.
    package static func remove(_ path: String) throws(SegmentError) {
        if isRemote(path) { return try open(path).remove(path) }
        guard unlink(path) == 0 else {
            throw SegmentError(.io, path: path, offset: nil, "cannot remove: \(String(cString: strerror(errno)))")
        }
        try DurableRename.syncDirectory(of: path)
    }
}
