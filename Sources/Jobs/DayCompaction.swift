import Foundation
import TrailFormat
import TrailSupport

/// Folds one cluster's sealed segments of one UTC day (those filed under `CLUSTER/DAY/`) into
/// one day segment: every record once (a record byte-identical to one already written in the
/// same bucket is a second copy of the same item and is left out; copies that differ are kept,
/// as the fold merges them), in bucket order; coverage and gaps kept; the header naming every
/// segment it replaces by name and SHA-256 (and those they replaced, when a day segment is
/// compacted again with late segments).
///
/// Crash-safe in three steps: the day segment is written and sealed (fsync, rename) in the
/// archive's `.staging/` directory, which no listing reads; moved into the day's directory
/// (rename, directory fsync); then the segments it replaces are removed. A crash before the
/// move leaves only the originals (and a stale file in `.staging/`, removed by the next run);
/// after it, the day segment and some originals, which every job skips because the present
/// day segment replaces them, and which the next run removes. Never both counted, never neither.
///
/// In a bucket, the move is a conditional put of the staged file under the day's prefix (an
/// object already there under that name was made by another compaction of the same parts),
/// and the removals are deletes: the same three steps, the same outcome after a crash.
struct DayCompaction {
    let archive: String
    /// The local directory the day segment is written in before it is moved (the archive's
    /// `.staging/`; for a bucket, a local one).
    let staging: String
    let cluster: String
    let day: String
    let parts: [ScannedSegment]

    struct Result {
        var path: String
        var records: Int
        var copiesLeftOut: Int
        var removed: Int
    }

    /// Writes the day segment and removes the parts.
    func run(pause: (String) -> Void = { _ in }) throws -> Result {
        let ordered = parts.sorted { ($0.header.windowStart, $0.path) < ($1.header.windowStart, $1.path) }
        var replaced: [ReplacedSegment] = []
        for part in ordered {
            replaced.append(ReplacedSegment(segment: part.name, sha256: part.sha256))
            replaced += part.header.replaces ?? []
        }
        replaced.sort { ($0.sha256, $0.segment) < ($1.sha256, $1.segment) }
        let identity = ContentHash.sha256(bytes: Array(replaced.map(\.sha256).joined(separator: ",").utf8))
        let windowStart = ordered.map(\.header.windowStart).min()!
        let windowEnd = ordered.map(\.header.windowEnd).max()!
        let name = "\(cluster)-\(day.replacingOccurrences(of: "-", with: ""))-day-\(identity.prefix(12))\(SegmentLayout.sealedSuffix)"
        let staged = (staging as NSString).appendingPathComponent(name)
        let final = ArchivePath.join(ArchivePath.join(ArchivePath.join(archive, cluster), day), name)
        let remote = RemoteArchives.isRemote(archive)
        try FileManager.default.createDirectory(atPath: staging, withIntermediateDirectories: true)
        for leftover in [staged, staged + SegmentLayout.partialSuffix] { unlink(leftover) }

        let endpoints = Set(ordered.map(\.header.endpoint)).sorted()
        var header = SegmentHeader(
            captureId: UUID().uuidString.lowercased(), cluster: cluster,
            endpoint: endpoints.count == 1 ? endpoints[0] : endpoints.joined(separator: ", "),
            windowStart: windowStart, windowEnd: windowEnd, schema: ordered[0].header.schema,
            tool: "goldmane-trail \(TrailVersion.current) compact", createdAt: UTCTime.rfc3339(Int64(Date().timeIntervalSince1970)))
        header.replaces = replaced
        let writer = try SegmentWriter(finalPath: staged, header: header)
        var records = 0
        var copies = 0
        do {
            let walkers = try ordered.map { part throws(SegmentError) in try SegmentWalker(path: part.path) }
            var current = try walkers.map { walker throws(SegmentError) in try walker.next() }
            while true {
                // A record transform leaves out stops the compaction (below) before it is placed.
            let starts = walkers.indices.filter { current[$0] }.map { walkers[$0].isParsed ? walkers[$0].view.startTime : .min }
                guard let bucket = starts.min() else { break }
                var seen: Set<[UInt8]> = []
                for index in walkers.indices {
                    let walker = walkers[index]
                    while current[index] && walker.view.startTime == bucket {
                        guard walker.isParsed, BucketTime.check(start: walker.view.startTime, end: walker.view.endTime,
                                                                windowEnd: walker.reader.header.windowEnd) == nil else {
                            throw JobFailure(.dataError, "\(walker.location) is a record transform leaves out (not a FlowResult, or bucket times that are not sane): the day is kept as it is, so that its bytes stay in the archive")
                        }
                        let bytes = Array(walker.record)
                        if seen.insert(bytes).inserted {
                            try writer.append(record: bytes, startTime: walker.view.startTime, endTime: walker.view.endTime)
                            records += 1
                        } else {
                            copies += 1
                        }
                        current[index] = try walker.next()
                    }
                }
            }
            let stats: [String: Int64] = ["compacted_segments": Int64(ordered.count), "copies_left_out": Int64(copies)]
            _ = try writer.seal(seal: Self.seal(ordered), sealedAt: UTCTime.rfc3339(Int64(Date().timeIntervalSince1970)),
                                coverage: Self.coverage(ordered), stats: stats)
        } catch {
            unlink(writer.partialPath)
            throw error
        }
        pause("compact-sealed")
        if remote {
            // false: another compaction of these very parts put it first; it replaces them as well.
            _ = try RemoteArchives.open(final).store(staged, as: final)
            unlink(staged)
        } else {
            try DurableRename.rename(from: staged, to: final)
            try DurableRename.syncDirectory(of: final)
        }
        pause("compact-moved")
        var removed = 0
        for part in ordered where part.path != final {
            if remote {
                try RemoteArchives.remove(part.path)
                removed += 1
                if removed == 1 { pause("compact-removing") }
                continue
            }
            guard unlink(part.path) == 0 else {
                throw JobFailure(.ioError, "cannot remove \(part.path) after compacting it into \(final): \(String(cString: strerror(errno))); every job skips it (the day segment replaces it) and the next compact removes it")
            }
            removed += 1
            if removed == 1 { pause("compact-removing") }
        }
        if !remote { try DurableRename.syncDirectory(of: final) }
        return Result(path: final, records: records, copiesLeftOut: copies, removed: removed)
    }

    /// The day segment's seal: complete when every part's was.
    static func seal(_ parts: [ScannedSegment]) -> SegmentFooter.Seal {
        parts.first { $0.footer.seal != .complete }?.footer.seal ?? .complete
    }

    /// The union of the parts' captured ranges, and their gaps less what another part captured.
    static func coverage(_ parts: [ScannedSegment]) -> Coverage {
        let captured = merge(parts.flatMap(\.footer.coverage.captured))
        var gaps: [Coverage.Gap] = []
        for gap in parts.flatMap(\.footer.coverage.gaps) {
            var pieces = [TimeRange(from: gap.from, to: gap.to)]
            for range in captured {
                pieces = pieces.flatMap { piece -> [TimeRange] in
                    guard range.from < piece.to && range.to > piece.from else { return [piece] }
                    return [TimeRange(from: piece.from, to: range.from), TimeRange(from: range.to, to: piece.to)].filter { $0.to > $0.from }
                }
            }
            gaps += pieces.map { Coverage.Gap(from: $0.from, to: $0.to, reason: gap.reason) }
        }
        let unique = gaps.reduce(into: [Coverage.Gap]()) { list, gap in if !list.contains(gap) { list.append(gap) } }
        return Coverage(captured: captured, gaps: unique.sorted { ($0.from, $0.to, $0.reason) < ($1.from, $1.to, $1.reason) })
    }

    /// Sorted, overlapping and touching ranges joined.
    static func merge(_ ranges: [TimeRange]) -> [TimeRange] {
        var merged: [TimeRange] = []
        for range in ranges.sorted(by: { ($0.from, $0.to) < ($1.from, $1.to) }) {
            if let last = merged.last, range.from <= last.to {
                merged[merged.count - 1].to = max(last.to, range.to)
            } else {
                merged.append(range)
            }
        }
        return merged
    }
}
