import Foundation
import ObjectStore
import Synchronization
import TrailFormat

/// One capture per cluster of an archive in a bucket, across pods: a lock object
/// (`PREFIX/.locks/capture-CLUSTER.json`) taken with a conditional put (`If-None-Match: *`),
/// holding who took it and until when. The holder renews the lease every third of its length
/// (`If-Match` on the lock's ETag); a lock past its expiry (a run that died without releasing
/// it) is taken over with `If-Match` on its ETag, so of two runs that see it expired only one
/// wins. Before uploading, the holder checks the lock is still its own; a run whose lease ran
/// out and whose lock another run took keeps its segments in staging and exits 75.
package final class BucketLease: Sendable {
    package let client: S3Client
    package let location: S3Location
    package let key: String
    package let holder: String
    package let seconds: Int64
    /// The lock object's ETag as this run last wrote it.
    private let etag: Mutex<String>

    struct Body: Codable {
        var holder: String
        var acquired: Int64
        var expires: Int64
    }

    private init(client: S3Client, location: S3Location, key: String, holder: String, seconds: Int64, etag: String) {
        self.client = client
        self.location = location
        self.key = key
        self.holder = holder
        self.seconds = seconds
        self.etag = Mutex(etag)
    }

    /// How long a lease lasts unless renewed (GOLDMANE_TRAIL_S3_LEASE_SECONDS, 2 to 3600):
    /// a crashed run's lock frees itself within this, before the next CronJob run.
    package static let leaseSeconds: Int64 = 300

    package static func leaseSeconds(_ environment: [String: String] = ProcessInfo.processInfo.environment) -> Int64 {
        environment["GOLDMANE_TRAIL_S3_LEASE_SECONDS"].flatMap(Int64.init).map { min(max($0, 2), 3_600) } ?? leaseSeconds
    }

    /// Takes the cluster's capture lock, or throws `.busy` (75) naming its holder and expiry.
    package static func acquire(client: S3Client, location: S3Location, cluster: String, now: Int64,
                                seconds: Int64 = leaseSeconds()) throws(CaptureError) -> BucketLease {
        let key = location.key(".locks/capture-\(cluster).json")
        let holder = "\(ProcessInfo.processInfo.hostName)/\(getpid())/\(UUID().uuidString.prefix(8))"
        let body = Body(holder: holder, acquired: now, expires: now + seconds)
        let bytes = Array((try? JSONEncoder().encode(body)) ?? Data())
        let url = location.url(key: key)
        let outcome: TakeOutcome
        do throws(ObjectStoreError) { outcome = try take(client: client, bucket: location.bucket, key: key, bytes: bytes, holder: holder, now: now) } catch {
            throw CaptureError(.upload(error.exitStatus), "cannot take the capture lock \(url): \(error.message)", cause: error)
        }
        switch outcome {
        case .taken(let etag):
            return BucketLease(client: client, location: location, key: key, holder: holder, seconds: seconds, etag: etag)
        case .held(let other):
            throw CaptureError(.busy, "another capture holds \(url) (\(other.holder), until \(UTCTime.rfc3339(other.expires))): wait for it to finish; CronJobs should use concurrencyPolicy: Forbid")
        case .lostRace:
            throw CaptureError(.busy, "another capture took the expired lock \(url) first: wait for it to finish")
        }
    }

    enum TakeOutcome {
        case taken(etag: String)
        case held(Body)
        case lostRace
    }

    private static func take(client: S3Client, bucket: String, key: String, bytes: [UInt8], holder: String, now: Int64) throws(ObjectStoreError) -> TakeOutcome {
        let condition: S3Client.PutCondition
        do throws(ObjectStoreError) {
            return .taken(etag: try client.put(bucket: bucket, key: key, body: bytes, condition: .absent, contentType: "application/json"))
        } catch where error.code == .preconditionFailed {
            // Released between the put and the read: a plain conditional put again.
            guard let (existing, etag) = try client.read(bucket: bucket, key: key) else {
                return try take(client: client, bucket: bucket, key: key, bytes: bytes, holder: holder, now: now)
            }
            let other = try? JSONDecoder().decode(Body.self, from: Data(existing))
            // Our own put, whose answer was lost and whose retry found it.
            if other?.holder == holder { return .taken(etag: etag) }
            if let other, other.expires > now { return .held(other) }
            // Expired (or unreadable): take it over, unless another run does first.
            condition = .etag(etag)
        }
        do throws(ObjectStoreError) {
            return .taken(etag: try client.put(bucket: bucket, key: key, body: bytes, condition: condition, contentType: "application/json"))
        } catch where error.code == .preconditionFailed {
            return .lostRace
        }
    }

    /// Throws `.busy` unless the lock is still this run's.
    package func confirm() throws(CaptureError) {
        let url = location.url(key: key)
        let current: (bytes: [UInt8], etag: String)?
        do throws(ObjectStoreError) { current = try client.read(bucket: location.bucket, key: key) } catch {
            throw CaptureError(.upload(error.exitStatus), "cannot read the capture lock \(url): \(error.message)", cause: error)
        }
        let body = current.flatMap { try? JSONDecoder().decode(Body.self, from: Data($0.bytes)) }
        guard let body, body.holder == holder else {
            throw CaptureError(.busy, "this run's capture lock \(url) expired (lease \(seconds) s, not renewed in time) and \(body.map { "\($0.holder) holds it now" } ?? "it is gone"): the sealed segments stay in staging, and the next run uploads them")
        }
    }

    /// Extends the lease by `seconds` from `now`, if the lock is still this run's (a failed
    /// renewal is tried again at the next; `confirm` finds a lock that was lost).
    package func renew(now: Int64 = Int64(Date().timeIntervalSince1970)) {
        let body = Body(holder: holder, acquired: now, expires: now + seconds)
        guard let bytes = try? JSONEncoder().encode(body) else { return }
        let current = etag.withLock { $0 }
        if let next = try? client.put(bucket: location.bucket, key: key, body: Array(bytes), condition: .etag(current), contentType: "application/json") {
            etag.withLock { $0 = next }
            return
        }
        // The put failed, or took effect with its answer lost (the retry then fails its
        // condition): a lock that still names this run is this run's, at its current ETag.
        if let (existing, latest) = try? client.read(bucket: location.bucket, key: key),
           (try? JSONDecoder().decode(Body.self, from: Data(existing)))?.holder == holder {
            etag.withLock { $0 = latest }
        }
    }

    /// Renews the lease every third of its length until the returned timer is cancelled.
    package func renewing() -> any DispatchSourceTimer {
        let timer = DispatchSource.makeTimerSource(queue: .global())
        let interval = DispatchTimeInterval.milliseconds(Int(seconds) * 1000 / 3)
        timer.schedule(deadline: .now() + interval, repeating: interval)
        timer.setEventHandler { [self] in renew() }
        timer.resume()
        return timer
    }

    /// Removes the lock if it is still this run's (best effort: an expired lock frees itself).
    package func release() {
        guard (try? confirm()) != nil else { return }
        try? client.delete(bucket: location.bucket, key: key)
    }
}
