import Crypto
import Foundation
import ObjectStore
import TrailFormat

/// Capture's side of an archive in a bucket: segments are sealed in a local staging directory
/// as on a volume, then each is put into the bucket under the same relative name with
/// `If-None-Match: *` (two writers never replace each other's object), checked (the store
/// verifies the Content-MD5 and signed SHA-256 it was sent; the answer's ETag and a HEAD's size
/// must match the file), and only then removed locally. A segment sealed but not uploaded (a
/// crash, an outage) stays in staging and is uploaded by the next run before it captures.
package struct SegmentUpload: Sendable {
    package let client: S3Client
    package let location: S3Location
    package let staging: String

    package init(client: S3Client, location: S3Location, staging: String) {
        self.client = client
        self.location = location
        self.staging = staging
    }

    package enum Outcome: Equatable, Sendable {
        case uploaded
        /// The object was in the bucket already with these very bytes (an upload whose local
        /// removal a crash cut short).
        case alreadyThere
    }

    /// Uploads every sealed segment in staging, oldest name first, each removed locally once
    /// it is safe in the bucket. Stops at the first that cannot be uploaded (kept locally).
    @discardableResult
    package func uploadStaged(log: (String) -> Void) throws(CaptureError) -> [String] {
        guard let listing = ArchiveListing(directory: staging) else { return [] }
        var done: [String] = []
        for path in listing.sealed {
            let outcome = try upload(path)
            let url = location.url(key: key(of: path))
            log(outcome == .uploaded ? "uploaded \(url)" : "\(url) was uploaded already (same bytes): removed the local copy")
            done.append(url)
        }
        return done
    }

    /// The object key of a staged file: its path under staging, under the archive's prefix.
    func key(of path: String) -> String {
        let root = staging.hasSuffix("/") ? staging : staging + "/"
        return location.key(String(path.dropFirst(root.count)))
    }

    package func upload(_ path: String) throws(CaptureError) -> Outcome {
        let bytes: [UInt8]
        do { bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path))) } catch {
            throw CaptureError(.archive, "cannot read the staged segment \(path): \(error.localizedDescription)", cause: error)
        }
        let key = key(of: path)
        let md5 = SigV4Signer.hex(Insecure.MD5.hash(data: bytes))
        let outcome: Outcome?
        do throws(ObjectStoreError) { outcome = try put(bytes, key: key, md5: md5) } catch {
            throw CaptureError(.upload(error.exitStatus), "cannot upload \(path): \(error.message); it stays in \(staging) and the next run uploads it first", cause: error)
        }
        guard let outcome else {
            throw CaptureError(.archive, "\(location.url(key: key)) exists with other content than the staged \(path): kept the local file. Another capture wrote that window; check that only one capture runs per cluster and bucket, then move the file aside")
        }
        do { try FileManager.default.removeItem(atPath: path) } catch {
            throw CaptureError(.archive, "uploaded \(location.url(key: key)) but cannot remove the staged \(path): \(error.localizedDescription)", cause: error)
        }
        return outcome
    }

    /// Puts the bytes if the name is free; nil when another object has the name.
    private func put(_ bytes: [UInt8], key: String, md5: String) throws(ObjectStoreError) -> Outcome? {
        let outcome: Outcome
        do throws(ObjectStoreError) {
            let etag = try client.put(bucket: location.bucket, key: key, body: bytes, condition: .absent)
            // A single-part upload's ETag is its MD5 (unless the store encrypts with KMS: then
            // the store's own Content-MD5 check stands).
            if etag.count == 32, etag.lowercased() != md5 {
                throw ObjectStoreError(.uploadMismatch, "put \(location.url(key: key)): the store's ETag \(etag) is not the file's MD5 \(md5)")
            }
            outcome = .uploaded
        } catch where error.code == .preconditionFailed {
            // Something has the name already: ours from a run cut short, or another writer's.
            guard let info = try client.head(bucket: location.bucket, key: key), info.size == bytes.count,
                  info.etag.count != 32 || info.etag.lowercased() == md5 else { return nil }
            outcome = .alreadyThere
        }
        guard let info = try client.head(bucket: location.bucket, key: key), info.size == bytes.count else {
            throw ObjectStoreError(.uploadMismatch, "put \(location.url(key: key)): the object is not \(bytes.count) bytes after the upload")
        }
        return outcome
    }
}
