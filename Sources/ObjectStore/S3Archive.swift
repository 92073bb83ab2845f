import Foundation
import TrailFormat

#if canImport(Glibc)
import Glibc
#endif

/// An archive in an S3 bucket, read through TrailFormat's path-based readers: listing by
/// prefix (paginated), each object fetched into a file without a name in TMPDIR while it is
/// read (streamed to disk, never held whole in memory, gone when closed).
package struct S3Archive: RemoteArchive {
    package let client: S3Client
    package let location: S3Location

    package init(client: S3Client, location: S3Location) {
        self.client = client
        self.location = location
    }

    /// Opens the archive or object `url` names, with the settings of the environment.
    package init(url: String) throws(ObjectStoreError) {
        location = try S3Location(url: url)
        client = S3Client(settings: try S3Settings.fromEnvironment())
    }

    /// Lets every path-based reader read `s3://` archives (the executable calls this first).
    package static func install() {
        RemoteArchives.install { url throws(SegmentError) in
            do throws(ObjectStoreError) { return try S3Archive(url: url) } catch {
                throw error.segmentError(path: url)
            }
        }
    }

    package var rootURL: String { location.url(key: location.listPrefix) }

    package func objectURLs() throws(SegmentError) -> [String] {
        do throws(ObjectStoreError) {
            return try client.list(bucket: location.bucket, prefix: location.listPrefix).map { location.url(key: $0.key) }
        } catch {
            throw error.segmentError(path: location.description)
        }
    }

    package func fetch(_ url: String) throws(SegmentError) -> Int32 {
        let key = try key(of: url)
        let descriptor = try Self.anonymousFile(for: url)
        do throws(ObjectStoreError) {
            _ = try client.get(bucket: location.bucket, key: key, into: descriptor)
        } catch {
            close(descriptor)
            throw error.segmentError(path: url)
        }
        guard lseek(descriptor, 0, SEEK_SET) == 0 else {
            close(descriptor)
            throw SegmentError(.io, path: url, offset: nil, "cannot seek the local copy: \(String(cString: strerror(errno)))")
        }
        return descriptor
    }

    package func remove(_ url: String) throws(SegmentError) {
        let key = try key(of: url)
        do throws(ObjectStoreError) { try client.delete(bucket: location.bucket, key: key) } catch {
            throw error.segmentError(path: url)
        }
    }

    package func store(_ path: String, as url: String) throws(SegmentError) -> Bool {
        let key = try key(of: url)
        let bytes: [UInt8]
        do { bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path))) } catch {
            throw SegmentError(.io, path: path, offset: nil, "cannot read: \(error.localizedDescription)")
        }
        do throws(ObjectStoreError) {
            do throws(ObjectStoreError) {
                try client.put(bucket: location.bucket, key: key, body: bytes, condition: .absent)
            } catch where error.code == .preconditionFailed {
                return false
            }
            guard let info = try client.head(bucket: location.bucket, key: key), info.size == bytes.count else {
                throw ObjectStoreError(.uploadMismatch, "put \(url): the object is not \(bytes.count) bytes after the upload")
            }
            return true
        } catch {
            throw error.segmentError(path: url)
        }
    }

    /// The key `url` names in this archive's bucket.
    func key(of url: String) throws(SegmentError) -> String {
        let root = S3Location.scheme + location.bucket + "/"
        guard url.hasPrefix(root), url.count > root.count else {
            throw SegmentError(.invalidArgument, path: url, offset: nil, "not an object of bucket \(location.bucket)")
        }
        return String(url.dropFirst(root.count))
    }

    /// A new file in TMPDIR, unlinked at once: it lives as long as its descriptor.
    static func anonymousFile(for url: String) throws(SegmentError) -> Int32 {
        let directory = ProcessInfo.processInfo.environment["TMPDIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
        var template = Array((directory + "/goldmane-trail-object.XXXXXX").utf8CString)
        let descriptor = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard descriptor >= 0 else {
            throw SegmentError(.spoolUnavailable, path: url, offset: nil, "cannot make a local file in \(directory) to read the object into: \(String(cString: strerror(errno))) (set TMPDIR to a writable directory)")
        }
        template.withUnsafeBufferPointer { _ = unlink($0.baseAddress!) }
        return descriptor
    }
}
