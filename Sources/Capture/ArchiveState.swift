import Foundation
import TrailFormat

/// What the archive already holds for a cluster: where its captured coverage ends (the next
/// capture's start), and unsealed files a crash left behind (recovered before capturing).
public struct ArchiveState: Sendable {
    public var capturedEnd: Int64?

    public static func read(archive: String, cluster: String) -> ArchiveState {
        var state = ArchiveState(capturedEnd: nil)
        let directory = (archive as NSString).appendingPathComponent(cluster)
        guard let listing = ArchiveListing(directory: directory) else { return state }
        for path in listing.sealed {
            guard let reader = try? SegmentReader(path: path), reader.header.cluster == cluster else { continue }
            let end = reader.footer.coverage.captured.map(\.to).max() ?? reader.header.windowStart
            state.capturedEnd = max(state.capturedEnd ?? end, end)
        }
        return state
    }

    /// Seals every unsealed segment of the cluster (a crashed capture's), keeping its complete
    /// frames. Returns one line per file for the log.
    public static func recoverUnsealed(archive: String, cluster: String, now: Int64) throws(CaptureError) -> [String] {
        let directory = (archive as NSString).appendingPathComponent(cluster)
        guard let listing = ArchiveListing(directory: directory) else { return [] }
        var lines: [String] = []
        for path in listing.unsealed {
            do {
                let result = try SegmentRecovery.recover(partialPath: path, sealedAt: UTCTime.rfc3339(now)) { header, maxEnd in
                    let capturedEnd = maxEnd ?? header.windowStart
                    return Coverage(
                        captured: capturedEnd > header.windowStart ? [TimeRange(from: header.windowStart, to: capturedEnd)] : [],
                        gaps: capturedEnd < header.windowEnd
                            ? [Coverage.Gap(from: capturedEnd, to: header.windowEnd, reason: "capture crashed; recovered its complete frames")] : [])
                }
                lines.append("recovered \(result.sealedPath): \(result.footer.recordCount) records kept, \(result.bytesCut) bytes cut"
                             + (result.cutReason.map { " (\($0))" } ?? ""))
            } catch {
                throw CaptureError(.archive, "cannot recover \(path): \(error.description)")
            }
        }
        return lines
    }
}
