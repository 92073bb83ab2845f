import Foundation
import TrailFormat

/// The ids of the FlowKeys the archive holds for one cluster's latest windows: the evidence a
/// Goldmane restart between two capture runs leaves (a key that comes back with another id
/// less than an hour later). The keys most likely to come back are the latest ones, so only the
/// segments of the last `span` seconds of windows (the previous run's, for the CronJob) within
/// the last hour are read, one frame at a time: for an hour of a cluster sending 1.9 million
/// items, reading all of it cost 3 s of CPU per run. A segment that cannot be read adds nothing
/// (verify names it).
enum RecentFlowIds {
    static let span: Int64 = 900

    static func load(archive: String, cluster: String, now: Int64) throws(SegmentError) -> [[UInt8]: KnownId] {
        let directory = ArchivePath.join(archive, cluster)
        guard let listing = try ArchiveListing.of(directory) else { return [:] }
        let since = now - BucketClock.ringSeconds
        // Names that say their window ended before the ring are not opened (a remote archive
        // would fetch every segment of the cluster otherwise).
        let recent = listing.sealed.filter { (SegmentNaming.windowEnd(ofPath: $0) ?? .max) > since }
        var readers: [SegmentReader] = []
        for path in recent {
            let reader: SegmentReader
            do throws(SegmentError) { reader = try SegmentReader(path: path) } catch {
                if error.isStoreFailure { throw error }
                continue
            }
            guard reader.header.cluster == cluster, reader.header.windowEnd > since, reader.header.windowStart <= now else { continue }
            readers.append(reader)
        }
        guard let latest = readers.map(\.header.windowEnd).max() else { return [:] }
        var ids: [[UInt8]: KnownId] = [:]
        // Ids from before a restart the archive already recorded prove nothing more.
        var restartedBy = Int64.min
        let frame = DecodedFrame()
        for reader in readers where reader.header.windowEnd > latest - span {
            for gap in reader.footer.coverage.gaps where GapReason.code(of: gap.reason) == .goldmaneRestarted {
                restartedBy = max(restartedBy, min(gap.to, reader.header.windowEnd))
            }
            for index in 0..<reader.frameCount {
                guard (try? reader.readFrame(index, reusing: frame)) != nil else { break }
                for record in 0..<frame.recordCount {
                    let bytes = frame.record(record)
                    guard let view = FlowRecordView(record: bytes), view.hasKey,
                          view.startTime >= since, view.startTime <= now else { continue }
                    let key = Array(bytes[view.keyRange])
                    if let known = ids[key], known.start >= view.startTime { continue }
                    ids[key] = KnownId(id: view.id, start: view.startTime)
                }
            }
        }
        return restartedBy == .min ? ids : ids.filter { $0.value.start >= restartedBy }
    }
}
