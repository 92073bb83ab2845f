import Foundation
import TrailFormat

/// What the archive already holds for a cluster: where the windows of its sealed segments end
/// (the next capture's start), what they captured, and the gaps a later capture can fill.
package struct ArchiveState: Sendable {
    /// The end of the latest window sealed (captured or not): the next regular window starts here.
    package var windowsEnd: Int64? = nil
    /// Every range some segment captured.
    package var captured: [TimeRange] = []
    /// Gaps a rerun can fill (see `GapReason.isRefillable`) that no segment has captured since.
    package var refillable: [TimeRange] = []
    /// Gaps no rerun can fill (older than the ring, lost in a restart): their items, if any,
    /// are in the archive already, so a rerun must not take them again.
    package var settledGaps: [TimeRange] = []
    /// Existing segment paths (sealed or not), for unique naming.
    package var paths: Set<String> = []

    /// Reads the cluster's segments of `archive` (a directory, or a remote archive that has
    /// been listed already). With `since`, only segments whose names say their window ends
    /// after it are opened (a remote archive: Goldmane's ring reaches back an hour, so nothing
    /// older can be refilled or taken again), and the latest window end is read off the names.
    /// A directory that cannot be listed holds nothing yet; a remote archive whose store fails
    /// throws (a capture must not take a failed listing for an empty archive).
    package static func read(archive: String, cluster: String, since: Int64? = nil) throws(SegmentError) -> ArchiveState {
        var state = ArchiveState()
        let directory = ArchivePath.join(archive, cluster)
        guard let listing = try ArchiveListing.of(directory) else { return state }
        state.paths = Set(listing.sealed + listing.unsealed)
        var gaps: [TimeRange] = []
        var opened = listing.sealed
        if let since {
            let ends = listing.sealed.compactMap(SegmentNaming.windowEnd(ofPath:))
            state.windowsEnd = ends.max()
            opened = listing.sealed.filter { (SegmentNaming.windowEnd(ofPath: $0) ?? .max) > since }
        }
        for path in opened {
            let reader: SegmentReader
            do throws(SegmentError) { reader = try SegmentReader(path: path) } catch {
                if error.isStoreFailure { throw error }
                continue
            }
            guard reader.header.cluster == cluster else { continue }
            let header = reader.header
            guard header.windowStart >= 0, header.windowEnd <= UTCTime.maxSupported, header.windowStart < header.windowEnd,
                  header.windowStart % BucketClock.bucketSeconds == 0,
                  header.windowEnd % BucketClock.bucketSeconds == 0 else { continue }  // verify names such a segment
            // Coverage is read only inside the segment's own window: a damaged footer cannot
            // claim (or open) time elsewhere, nor hand the planner absurd times.
            let inside = { (from: Int64, to: Int64) in from >= header.windowStart && to <= header.windowEnd && from < to }
            state.windowsEnd = max(state.windowsEnd ?? header.windowEnd, header.windowEnd)
            state.captured += reader.footer.coverage.captured.filter { inside($0.from, $0.to) }
            for gap in reader.footer.coverage.gaps where inside(gap.from, gap.to) {
                let range = TimeRange(from: gap.from, to: gap.to)
                if GapReason.code(of: gap.reason)?.isRefillable ?? false { gaps.append(range) } else { state.settledGaps.append(range) }
            }
        }
        state.captured = TimeRanges.union(state.captured)
        state.refillable = TimeRanges.subtract(TimeRanges.union(gaps), state.captured)
        return state
    }

    /// Seals every unsealed segment of the cluster that a crash left. A capture writes a
    /// segment only once its window is settled, so a partial file is a crash during those
    /// last seconds: its frames are cut (their buckets were not all written) and it is sealed
    /// empty, the whole window an `interrupted` gap that the next run refills while Goldmane
    /// still holds it. A file too short for a header (a full disk) is removed. Returns one
    /// line per file for the log.
    package static func recoverUnsealed(archive: String, cluster: String, now: Int64) throws(CaptureError) -> [String] {
        let directory = ArchivePath.join(archive, cluster)
        guard let listing = ArchiveListing(directory: directory) else { return [] }
        var lines: [String] = []
        for path in listing.unsealed {
            do {
                let result = try SegmentRecovery.recover(partialPath: path, sealedAt: UTCTime.rfc3339(now), keepFrames: false) { header, _ in
                    Coverage(captured: [], gaps: [Coverage.Gap(from: header.windowStart, to: header.windowEnd,
                        reason: GapReason.interrupted.text("capture crashed before sealing; a later capture refills it while Goldmane holds it"))])
                }
                lines.append("recovered \(result.sealedPath): sealed empty, \(result.bytesCut) bytes cut; its window is a gap to refill")
            } catch where error.code == .badHeader {
                // Nothing in it can be trusted or named (a full disk while writing the header).
                do { try FileManager.default.removeItem(atPath: path) } catch {
                    throw CaptureError(.archive, "cannot remove \(path), which has no complete header: \(error.localizedDescription)", cause: error)
                }
                lines.append("removed \(path): \(error.message) (nothing in it was sealed)")
            } catch {
                throw CaptureError(.archive, "cannot recover \(path): \(error.description)", cause: error)
            }
        }
        return lines
    }
}

/// Sorted, disjoint half-open ranges.
enum TimeRanges {
    static func union(_ ranges: [TimeRange]) -> [TimeRange] {
        var out: [TimeRange] = []
        for range in ranges.sorted(by: { ($0.from, $0.to) < ($1.from, $1.to) }) where range.to > range.from {
            if let last = out.last, range.from <= last.to {
                out[out.count - 1].to = max(last.to, range.to)
            } else {
                out.append(range)
            }
        }
        return out
    }

    /// `ranges` minus `cut`.
    static func subtract(_ ranges: [TimeRange], _ cut: [TimeRange]) -> [TimeRange] {
        var out: [TimeRange] = []
        for range in union(ranges) {
            var pieces = [range]
            for hole in cut {
                pieces = pieces.flatMap { piece -> [TimeRange] in
                    guard hole.from < piece.to && hole.to > piece.from else { return [piece] }
                    return [TimeRange(from: piece.from, to: hole.from), TimeRange(from: hole.to, to: piece.to)].filter { $0.to > $0.from }
                }
            }
            out += pieces
        }
        return out
    }
}
