import TrailFormat

/// Which windows one run captures. `--window L` (the CronJob): first every refillable gap the
/// archive has that Goldmane still holds (a crash, an outage, a stop), each as a segment of its
/// own that tiles with what exists, then the next regular window from where sealed windows end.
/// `--from/--to`: the parts of that range no segment has captured yet (none: nothing to do).
enum CapturePlan {
    static func windows(for request: CaptureSession.WindowRequest, state: ArchiveState, now: Int64) -> [CaptureWindow] {
        switch request {
        case .length(let length):
            let ringEdge = BucketClock.bucketStart(containing: now - CaptureWindow.replayableSeconds) + BucketClock.bucketSeconds
            let refills = state.refillable.compactMap { gap -> CaptureWindow? in
                let from = max(gap.from, ringEdge)
                guard from < gap.to else { return nil }
                return CaptureWindow.explicit(from: from, to: gap.to, now: now)
            }
            return refills + [CaptureWindow.next(length: length, resumeFrom: state.windowsEnd, now: now)]
        case .range(let from, let to):
            let whole = CaptureWindow.explicit(from: from, to: to, now: now)
            let missing = TimeRanges.subtract([TimeRange(from: whole.start, to: whole.end)], state.captured + state.settledGaps)
            return missing.map { CaptureWindow.explicit(from: $0.from, to: $0.to, now: now) }
        }
    }
}
