/// Which buckets one capture run takes. Runs tile time: each starts where the archive's
/// captured coverage ends. A start older than Goldmane's ring (about an hour) cannot be
/// replayed: that part is recorded as a gap and the capture starts at the ring's edge.
package struct CaptureWindow: Equatable, Sendable {
    /// [start, end): the window of bucket starts this segment covers (its header's window).
    package var start: Int64
    package var end: Int64
    /// Where capturing actually begins (start, or the ring's edge when start is too old).
    package var captureFrom: Int64
    /// Parts of the window known to be missed before the capture starts.
    package var gaps: [(from: Int64, to: Int64, reason: String)]

    package static func == (lhs: CaptureWindow, rhs: CaptureWindow) -> Bool {
        lhs.start == rhs.start && lhs.end == rhs.end && lhs.captureFrom == rhs.captureFrom
            && lhs.gaps.map { "\($0.from)-\($0.to)-\($0.reason)" } == rhs.gaps.map { "\($0.from)-\($0.to)-\($0.reason)" }
    }

    /// How far back Goldmane replays, with a margin for clock skew (its ring holds 240
    /// complete buckets: 3600 s).
    package static let replayableSeconds: Int64 = 3_480

    /// - Parameters:
    ///   - length: the window length (`--window`), a multiple of 15 s.
    ///   - resumeFrom: where the archive's captured coverage ends for this cluster, if anywhere.
    ///   - now: the current Unix time.
    ///
    /// A run that starts behind (missed runs) catches up: its window reaches to the last bucket
    /// streamed by now, so the next run is on schedule again instead of staying behind.
    package static func next(length: Int64, resumeFrom: Int64?, now: Int64) -> CaptureWindow {
        let bucket = BucketClock.bucketSeconds
        let streamedUpTo = BucketClock.bucketStart(containing: now) - bucket
        // With nothing archived: the most recent whole window that has been streamed by now.
        let start = resumeFrom ?? (streamedUpTo - length)
        let end = max(start + length, streamedUpTo)
        let ringEdge = BucketClock.bucketStart(containing: now - replayableSeconds) + bucket
        if start < ringEdge {
            let from = min(ringEdge, end)
            return CaptureWindow(start: start, end: end, captureFrom: from,
                                 gaps: [(start, from, "older than Goldmane's replay ring when the capture ran (missed capture runs?)")])
        }
        return CaptureWindow(start: start, end: end, captureFrom: start, gaps: [])
    }

    /// An explicit window (`--from`/`--to`), aligned outward to buckets.
    package static func explicit(from: Int64, to: Int64, now: Int64) -> CaptureWindow {
        let start = BucketClock.bucketStart(containing: from)
        let end = BucketClock.bucketStart(containing: to + BucketClock.bucketSeconds - 1)
        let ringEdge = BucketClock.bucketStart(containing: now - replayableSeconds) + BucketClock.bucketSeconds
        guard start < ringEdge else { return CaptureWindow(start: start, end: end, captureFrom: start, gaps: []) }
        let from = min(ringEdge, end)
        return CaptureWindow(start: start, end: end, captureFrom: from,
                             gaps: [(start, from, "older than Goldmane's replay ring when the capture ran")])
    }

    /// When the window's last bucket has been streamed: the rollover after it, plus grace.
    package func deadline(grace: Int64) -> Int64 {
        BucketClock.streamedAt(bucketStart: end - BucketClock.bucketSeconds) + grace
    }
}
