import TrailFormat
import TrailSupport

/// How much of a window the loaded data covers, per cluster: the stretches nothing was
/// captured or loaded for, with the reasons capture recorded.
package struct WindowCoverage: Sendable, Equatable, Encodable {
    package struct Gap: Sendable, Equatable, Encodable {
        package var cluster: String
        package var start: Int64
        package var end: Int64
        package var reason: String

        enum CodingKeys: String, CodingKey { case cluster, start, end, reason }
    }

    package var start: Int64
    package var end: Int64
    /// Seconds of the window captured, per cluster.
    package var capturedSeconds: [String: Int64]
    package var gaps: [Gap]

    enum CodingKeys: String, CodingKey {
        case start, end, gaps
        case capturedSeconds = "captured_seconds"
    }

    /// Stated when a window has no loaded data at all.
    package static let nothingLoaded = "no data loaded for this time"

    package var isComplete: Bool { gaps.isEmpty }

    /// Window `[start, end)` against the coverage rows of `clusters` (every loaded cluster).
    package init(start: Int64, end: Int64, clusters: [String], ranges: [CoverageRange]) {
        self.start = start
        self.end = end
        var captured: [String: Int64] = [:]
        var gaps: [Gap] = []
        for cluster in clusters.isEmpty ? [""] : clusters {
            let own = ranges.filter { $0.cluster == cluster }
            let covered = Self.union(own.filter(\.captured).map { (max($0.start, start), min($0.end, end)) })
            captured[cluster] = covered.reduce(0) { $0 + $1.1 - $1.0 }
            for hole in Self.complement(covered, start: start, end: end) {
                let reasons = Set(own.filter { !$0.captured && $0.start < hole.1 && $0.end > hole.0 }.map(\.reason)).sorted()
                gaps.append(Gap(cluster: cluster, start: hole.0, end: hole.1,
                                reason: reasons.isEmpty ? Self.nothingLoaded : reasons.joined(separator: "; ")))
            }
        }
        capturedSeconds = captured
        self.gaps = gaps
    }

    /// A one-line statement: "complete" or what is missing.
    package func statement(clusterNames: Bool = false) -> String {
        let total = end - start
        if gaps.isEmpty { return "complete: every second of the window was captured and loaded" }
        let captured = capturedSeconds.values.min() ?? 0
        let missing = gaps.map { gap in
            (clusterNames && !gap.cluster.isEmpty ? "\(gap.cluster) " : "") + "\(Self.time(gap.start)) to \(Self.time(gap.end)) (\(gap.reason))"
        }
        return "captured \(Self.duration(captured)) of \(Self.duration(total)); missing \(missing.joined(separator: ", "))"
    }

    static func time(_ seconds: Int64) -> String {
        let text = UTCTime.rfc3339(seconds)
        return text.hasSuffix(":00Z") ? String(text.dropLast(4)) + "Z" : text
    }

    /// `3h`, `1h30m`, `45s`, `24h`, `2d4h`: days only from 48 hours on.
    package static func duration(_ seconds: Int64) -> String { TimeSpan.format(seconds) }

    static func union(_ intervals: [(Int64, Int64)]) -> [(Int64, Int64)] {
        var merged: [(Int64, Int64)] = []
        for interval in intervals.filter({ $0.0 < $0.1 }).sorted(by: { $0 < $1 }) {
            if let last = merged.last, interval.0 <= last.1 {
                merged[merged.count - 1].1 = max(last.1, interval.1)
            } else {
                merged.append(interval)
            }
        }
        return merged
    }

    static func complement(_ covered: [(Int64, Int64)], start: Int64, end: Int64) -> [(Int64, Int64)] {
        var holes: [(Int64, Int64)] = []
        var cursor = start
        for interval in covered {
            if interval.0 > cursor { holes.append((cursor, interval.0)) }
            cursor = max(cursor, interval.1)
        }
        if cursor < end { holes.append((cursor, end)) }
        return holes
    }
}
