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
        /// The name held another capture's segment of the window (a run whose lease expired
        /// while another captured the window too): uploaded under the next free name `NAME.N.seg`.
        case uploadedBeside(taken: String)
    }

    /// How many `.N` names an upload tries beside a taken one.
    static let maxAlternateNames = 20

    /// Uploads every sealed segment of `cluster` in staging (`CLUSTER/DAY/*.seg`), oldest
    /// name first, each removed locally once it is safe in the bucket. A file there that is
    /// not a sound sealed segment of the cluster is left, with a warning; the upload stops at
    /// the first segment that cannot be uploaded (kept locally).
    @discardableResult
    package func uploadStaged(cluster: String, log: (String) -> Void) throws(CaptureError) -> [String] {
        guard let listing = ArchiveListing(directory: ArchivePath.join(staging, cluster)) else { return [] }
        var done: [String] = []
        for path in listing.sealed {
            do throws(SegmentError) {
                let reader = try SegmentReader(path: path)
                guard reader.header.cluster == cluster else {
                    log("warning: \(path) is a segment of cluster \(reader.header.cluster), not \(cluster): left in staging, not uploaded")
                    continue
                }
            } catch {
                log("warning: \(path) is not a sound sealed segment (\(error.message)): left in staging, not uploaded")
                continue
            }
            let (outcome, key) = try upload(path)
            let url = location.url(key: key)
            switch outcome {
            case .uploaded: log("uploaded \(url)")
            case .alreadyThere: log("\(url) was uploaded already (same bytes): removed the local copy")
            case .uploadedBeside(let taken):
                log("uploaded \(url): \(location.url(key: taken)) holds another capture of the window (two objects of one window fold as one)")
            }
            done.append(url)
        }
        return done
    }

    /// The object key of a staged file: its path under staging, under the archive's prefix.
    func key(of path: String) -> String {
        let root = staging.hasSuffix("/") ? staging : staging + "/"
        return location.key(String(path.dropFirst(root.count)))
    }

    package func upload(_ path: String) throws(CaptureError) -> (Outcome, key: String) {
        let bytes: [UInt8]
        do { bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path))) } catch {
            throw CaptureError(.archive, "cannot read the staged segment \(path): \(error.localizedDescription)", cause: error)
        }
        let key = key(of: path)
        let md5 = SigV4Signer.hex(Insecure.MD5.hash(data: bytes))
        var outcome: Outcome?
        var finalKey = key
        do throws(ObjectStoreError) {
            outcome = try put(bytes, key: key, md5: md5)
            var index = 1
            while outcome == nil && index <= Self.maxAlternateNames {
                finalKey = String(key.dropLast(SegmentLayout.sealedSuffix.count)) + ".\(index)" + SegmentLayout.sealedSuffix
                outcome = try put(bytes, key: finalKey, md5: md5).map { $0 == .uploaded ? .uploadedBeside(taken: key) : $0 }
                index += 1
            }
        } catch {
            throw CaptureError(.upload(error.exitStatus), "cannot upload \(path): \(error.message); it stays in \(staging) and the next run uploads it first", cause: error)
        }
        guard let outcome else {
            throw CaptureError(.archive, "\(location.url(key: key)) and \(Self.maxAlternateNames) alternate names exist with other content than the staged \(path): kept the local file; check that only one capture runs per cluster and bucket")
        }
        do { try FileManager.default.removeItem(atPath: path) } catch {
            throw CaptureError(.archive, "uploaded \(location.url(key: finalKey)) but cannot remove the staged \(path): \(error.localizedDescription)", cause: error)
        }
        return (outcome, finalKey)
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
