import Foundation
import TrailFormat
import TrailSupport

/// `goldmane-trail compact`: each cluster's sealed segments of each UTC day before `before`
/// become one day segment (`DayCompaction`), so that a year of a cluster is 365 files, not
/// 35,000. A day is left as it is, and said, when it holds an unsealed file (a capture in
/// progress or a crash to recover), a segment that is not sound, or a record transform leaves
/// out; a day that ended less than two hours ago is never touched (capture may still refill it).
/// Leftovers of an interrupted compaction (originals that a present day segment replaces) are
/// removed first.
package struct CompactJob {
    package var archive: String
    package var before: Int64
    package var now: Int64
    package var clusters: [String]
    /// Where day segments are written before they are moved into the archive: the archive's
    /// `.staging/`, or for a bucket this local directory (TMPDIR's by default).
    package var staging: String?

    /// `s3://bucket/prefix` as one file name (`s3_bucket_prefix`): each archive its own staging.
    static func fileName(_ url: String) -> String {
        String(url.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "." ? $0 : "_" })
    }

    /// How long after its end a day may still receive a capture's refill.
    package static let settleSeconds: Int64 = 2 * 3600

    package init(archive: String, before: Int64, now: Int64, clusters: [String] = [], staging: String? = nil) {
        self.staging = staging
        self.archive = archive
        self.before = before
        self.now = now
        self.clusters = clusters
    }

    package enum Event: Sendable, Equatable {
        case compacted(day: String, cluster: String, segments: Int, records: Int, copiesLeftOut: Int, path: String)
        case finished(day: String, cluster: String, removed: Int)
        case kept(day: String, cluster: String, reason: String)
    }

    package struct Summary: Sendable, Equatable {
        package var days = 0
        package var segmentsReplaced = 0
        package var daysKept = 0
        package var records = 0
    }

    /// Compacts; `pause` is reached at named points (crash tests).
    package func run(events: (Event) -> Void = { _ in }, pause: (String) -> Void = { _ in }) throws -> Summary {
        let scan = try ArchiveScan(directory: archive)
        let remote = RemoteArchives.isRemote(archive)
        let stagingDirectory = staging
            ?? (remote ? (NSTemporaryDirectory() as NSString).appendingPathComponent("goldmane-trail-compact-" + Self.fileName(archive))
                       : (archive as NSString).appendingPathComponent(SegmentLayout.stagingDirectory))
        let lock = try StagingLock(staging: stagingDirectory, archive: archive)
        defer { lock.release() }
        // What a killed compaction left in .staging/ (nothing else writes there: the lock).
        lock.clearLeftovers()
        var summary = Summary()
        // Group by the directory a segment is filed in: CLUSTER/DAY/.
        var days: [String: [String]] = [:]
        for path in scan.listing.sealed {
            days[(path as NSString).deletingLastPathComponent, default: []].append(path)
        }
        let unsealedDirectories = Set(scan.listing.unsealed.map { ($0 as NSString).deletingLastPathComponent })
        // In a bucket, where scanning is downloading, a day of one segment (compacted already,
        // or a single capture) is not scanned: there is nothing to fold it with.
        if remote { days = days.filter { $0.value.count >= 2 } }
        let lastDay = min(DayRange.day(before), DayRange.day(now - Self.settleSeconds)) - 1
        for directory in days.keys.sorted() {
            let day = String(directory.split(separator: "/").last ?? "")
            let cluster = String(directory.split(separator: "/").dropLast().last ?? "")
            guard let start = UTCTime.parse(day + "T00:00:00Z"), DayRange.day(start) <= lastDay else { continue }
            guard clusters.isEmpty || clusters.contains(cluster) else { continue }
            if unsealedDirectories.contains(directory) {
                summary.daysKept += 1
                events(.kept(day: day, cluster: cluster, reason: "it holds an unsealed segment (a capture to recover first)"))
                continue
            }
            var parts: [ScannedSegment] = []
            var problem: String?
            for path in days[directory]!.sorted() {
                do throws(SegmentError) { parts.append(try ScannedSegment(path: path)) } catch {
                    problem = error.description
                    break
                }
            }
            if let problem {
                summary.daysKept += 1
                events(.kept(day: day, cluster: cluster, reason: problem))
                continue
            }
            if let other = parts.first(where: { $0.header.cluster != cluster }) {
                summary.daysKept += 1
                events(.kept(day: day, cluster: cluster, reason: "\(other.path) is of cluster \(other.header.cluster), filed under \(cluster)"))
                continue
            }
            // An interrupted compaction: originals the day segment already replaces.
            let replaced = Set(parts.flatMap(\.replaces))
            let leftovers = parts.filter { replaced.contains($0.sha256) }
            for leftover in leftovers {
                if remote {
                    do throws(SegmentError) { try RemoteArchives.remove(leftover.path) } catch {
                        throw JobFailure(error.exitStatus, "cannot remove \(leftover.path), which a day segment beside it replaces: \(error.message)", cause: error)
                    }
                    continue
                }
                guard unlink(leftover.path) == 0 else {
                    throw JobFailure(.ioError, "cannot remove \(leftover.path), which a day segment beside it replaces: \(String(cString: strerror(errno)))")
                }
            }
            if !leftovers.isEmpty {
                if !remote { try DurableRename.syncDirectory(of: leftovers[0].path) }
                events(.finished(day: day, cluster: cluster, removed: leftovers.count))
            }
            let remaining = parts.filter { !replaced.contains($0.sha256) }
            guard remaining.count >= 2 else { continue }
            do {
                let result = try DayCompaction(archive: archive, staging: stagingDirectory, cluster: cluster, day: day, parts: remaining).run(pause: pause)
                summary.days += 1
                summary.segmentsReplaced += remaining.count
                summary.records += result.records
                events(.compacted(day: day, cluster: cluster, segments: remaining.count, records: result.records,
                                  copiesLeftOut: result.copiesLeftOut, path: result.path))
            } catch let failure as JobFailure where failure.exitStatus == .dataError {
                summary.daysKept += 1
                events(.kept(day: day, cluster: cluster, reason: failure.message))
            } catch let error as SegmentError where !error.isStoreFailure {
                summary.daysKept += 1
                events(.kept(day: day, cluster: cluster, reason: error.description))
            }
        }
        return summary
    }
}

/// One compaction per archive at a time: an exclusive flock on its staging directory (exit
/// 75 when another holds it). For a bucket the directory is local: one compaction per
/// staging directory (the CronJob's concurrencyPolicy: Forbid keeps it one per bucket).
struct StagingLock {
    let descriptor: Int32
    let archive: String
    let staging: String

    init(staging: String, archive: String) throws(JobFailure) {
        self.archive = archive
        self.staging = staging
        try? FileManager.default.createDirectory(atPath: staging, withIntermediateDirectories: true)
        descriptor = open(staging, O_RDONLY | O_DIRECTORY)
        guard descriptor >= 0 else {
            throw JobFailure(.cannotCreate, "cannot open \(staging): \(String(cString: strerror(errno))) (is the archive writable?)")
        }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            close(descriptor)
            throw JobFailure(.tempFail, "another compact runs on \(archive); run again when it finishes")
        }
    }

    /// Removes the day segments a killed compaction left (nothing else: the directory may be
    /// one an operator named, holding other files).
    func clearLeftovers() {
        for name in (try? FileManager.default.contentsOfDirectory(atPath: staging)) ?? []
        where name.hasSuffix(SegmentLayout.sealedSuffix) || name.hasSuffix(SegmentLayout.sealedSuffix + SegmentLayout.partialSuffix) {
            unlink((staging as NSString).appendingPathComponent(name))
        }
    }

    func release() {
        flock(descriptor, LOCK_UN)
        close(descriptor)
    }
}
