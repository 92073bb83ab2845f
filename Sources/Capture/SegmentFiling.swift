import Foundation
import TrailFormat

/// Writes a settled window's records as one sealed segment: header, frames of whole buckets,
/// footer, fsync, rename. A failure (a full disk at any write) removes the partial file and
/// names the cause: nothing is left to wedge the next run, which captures the window again.
enum SegmentFiling {
    /// Buckets per frame (a crash keeps whole frames only; recovery cuts them anyway).
    static let bucketsPerFrame = 4

    static func write(
        _ records: [(bytes: [UInt8], start: Int64, end: Int64)], to path: String, window: CaptureWindow, cluster: String,
        endpoint: String, seal: SegmentFooter.Seal, coverage: Coverage, stats: [String: Int64]
    ) throws(CaptureError) -> SegmentFooter {
        let now = Int64(Date().timeIntervalSince1970)
        let header = SegmentHeader(
            captureId: UUID().uuidString.lowercased(), cluster: cluster, endpoint: endpoint,
            windowStart: window.start, windowEnd: window.end, tool: "goldmane-trail \(TrailVersion.current)",
            createdAt: UTCTime.rfc3339(now))
        do {
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        } catch {
            throw CaptureError(.archive, "cannot create the archive directory for \(path): \(error.localizedDescription)", cause: error)
        }
        var writer: SegmentWriter? = nil
        do throws(SegmentError) {
            let open = try SegmentWriter(finalPath: path, header: header, options: .init(frameTarget: SegmentLayout.captureFrameTarget))
            writer = open
            var buckets = 0
            var current: Int64? = nil
            for record in records {
                if current != record.start {
                    if current != nil { buckets += 1 }
                    if buckets == bucketsPerFrame {
                        try open.flushFrame()
                        buckets = 0
                    }
                    current = record.start
                }
                try open.append(record: record.bytes, startTime: record.start, endTime: record.end)
            }
            return try open.seal(seal: seal, sealedAt: UTCTime.rfc3339(Int64(Date().timeIntervalSince1970)), coverage: coverage, stats: stats)
        } catch {
            let partial = writer?.partialPath ?? path + SegmentLayout.partialSuffix
            try? FileManager.default.removeItem(atPath: partial)
            throw failure(path, error, sealedInPlace: FileManager.default.fileExists(atPath: path))
        }
    }

    /// What a failed write left: nothing (the partial file is removed; the next capture takes
    /// the window again), or, when only the directory's sync after the rename failed, the
    /// sealed segment in place, whose name may not have reached the disk.
    static func failure(_ path: String, _ error: SegmentError, sealedInPlace: Bool) -> CaptureError {
        if sealedInPlace {
            return CaptureError(.archive, "sealed \(path), but syncing its directory failed: \(error.description). The segment is complete and in place, and the next capture takes up after it; if the machine crashed before the directory reached the disk, the file may be gone: run `goldmane-trail verify` on the archive", cause: error)
        }
        return CaptureError(.archive, "cannot write \(path): \(error.description); nothing was left in the archive, and the next capture takes this window again while Goldmane holds it", cause: error)
    }
}
