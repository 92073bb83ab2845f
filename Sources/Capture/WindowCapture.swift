import TrailFormat

/// Captures one window: reads live while the window is open (so that what Goldmane streams
/// is held even if it restarts later), then settles the window with closing re-reads once its
/// last bucket has rolled over (plus grace). What each read showed goes to `WindowSettlement`,
/// which decides what is confirmed, what is a gap and where the next read starts; this type
/// only runs the reads, the probes and the waits, through `WindowReads` and `CaptureClock`
/// (real ones in a run, scripted ones in `WindowCaptureTests`).
struct WindowCapture {
    let window: CaptureWindow
    let grace: Int64
    let reads: any WindowReads
    let clock: any CaptureClock
    let log: @Sendable (String) -> Void

    init(window: CaptureWindow, grace: Int64, reads: any WindowReads, clock: any CaptureClock = SystemClock(),
         log: @escaping @Sendable (String) -> Void) {
        self.window = window
        self.grace = grace
        self.reads = reads
        self.clock = clock
        self.log = log
    }

    /// Quiet that ends a probe of the ring.
    static let probeQuietSeconds: Double = 1.5
    /// Quiet after the last item before a read that has not passed the window ends: long
    /// enough for the next live bucket (a read that passes the window ends at once).
    static let quietSeconds: Double = 2
    /// How long past the deadline (or the start, for a window already past) a failing stream
    /// is still retried: a short outage should not become a gap.
    static let retrySecondsAfterDeadline: Double = 30
    /// The longest one closing read may last (a server streaming junk forever).
    static let maxReadSeconds: Double = 180

    typealias Gap = CaptureGap

    struct Outcome {
        var gaps: [Gap]
        /// The signal that stopped the capture, if one did.
        var stoppedBy: String?
        /// The failure that left part of the window uncaptured, if one did.
        var failure: CaptureError?
        var reads = 0
        var reconnects = 0
        var restarts = 0
    }

    /// Runs the capture; throws only a failure no retry can fix (TLS, configuration), before
    /// anything is written.
    func run() async throws(CaptureError) -> Outcome {
        var outcome = Outcome(gaps: window.gaps.map { Gap(from: $0.from, to: $0.to, reason: .olderThanRing, detail: $0.reason) })
        let readyAt = Double(window.deadline(grace: grace))
        let giveUpAt = max(readyAt, clock.now) + Self.retrySecondsAfterDeadline
        var backoff = Backoff()

        // Live: hold what is streamed while the window is open. A reconnect asks from the
        // latest bucket the live reads were offered whole, not from the window's start.
        let stallAfter = Double(BucketClock.bucketSeconds + grace) + Self.quietSeconds
        var liveFrom = window.captureFrom
        while clock.now < readyAt {
            let end = await reads.read(from: liveFrom, goal: .live(until: readyAt, stallAfter: stallAfter))
            outcome.reads += 1
            let progress = reads.progress
            let before = liveFrom
            if let reached = progress.reached, reached > liveFrom { liveFrom = min(reached, window.end - BucketClock.bucketSeconds) }
            switch end {
            case .deadline: break
            case .stopped(let signal): return interrupted(outcome, from: window.captureFrom, by: signal)
            case .failed(let failure):
                guard StreamFailure.isTransient(failure) else { throw failure }
                outcome.reconnects += 1
                outcome.failure = failure
                if failure.code == .tooLarge && liveFrom == before && liveFrom + BucketClock.bucketSeconds < window.end {
                    // Past it: the closing reads find the bucket that holds it.
                    liveFrom += BucketClock.bucketSeconds
                }
                log("stream failed, reconnecting in \(backoff.seconds) s: \(failure.message)")
                if let signal = await backoff.wait(clock, stop: reads.stop) { return interrupted(outcome, from: window.captureFrom, by: signal) }
            case .stalled, .endedByServer, .quiet, .probed, .passed:
                outcome.reconnects += 1
                if end == .stalled {
                    log("no item for \(Int(stallAfter)) s while buckets were due: reconnecting (a stalled stream, or a silent cluster)")
                } else {
                    log("Goldmane ended the stream before the window did: reconnecting in \(backoff.seconds) s")
                    if let signal = await backoff.wait(clock, stop: reads.stop) { return interrupted(outcome, from: window.captureFrom, by: signal) }
                }
            }
            if progress.added > 0 { backoff = Backoff() }
        }

        // Closing re-reads.
        var settlement = WindowSettlement(window: window, gaps: outcome.gaps, giveUpAt: giveUpAt)
        var next = settlement.first(now: clock.now)
        var loggedRestarts = 0
        loop: while true {
            switch next {
            case .settled, .interrupted:
                break loop
            case .read(let from, let wait):
                if wait > 0 {
                    if let failure = settlement.failure { log("closing re-read failed, retrying in \(wait) s: \(failure.message)") }
                    if let signal = await clock.sleep(seconds: Double(wait), stop: reads.stop) {
                        next = try settlement.next(after: ReadEvidence(), end: .stopped(signal), restart: nil, now: clock.now)
                        continue
                    }
                }
                let end = await reads.read(from: from, goal: .settle(passing: window.end, waitForPass: stallAfter, until: clock.now + Self.maxReadSeconds))
                outcome.reads += 1
                next = try settlement.next(after: reads.progress, end: end, restart: reads.restart, held: reads.heldBuckets, now: clock.now)
            case .findRingEdge:
                let edge = await ringEdge(after: settlement.settleFrom)
                next = settlement.next(afterRingEdge: edge, held: reads.heldBuckets, restart: reads.restart, now: clock.now)
            }
            if settlement.restarts > loggedRestarts {
                loggedRestarts = settlement.restarts
                log("Goldmane restarted: \(reads.restart?.detail ?? "it no longer holds buckets this capture received")")
            }
        }
        outcome.gaps = settlement.gaps
        outcome.failure = settlement.failure
        outcome.reconnects += settlement.reconnects
        outcome.restarts = settlement.restarts
        if case .interrupted(let signal) = next { outcome.stoppedBy = signal }
        return outcome
    }

    /// The first bucket from which Goldmane replays something, when it is after `start`: a
    /// probe of the newest buckets shows the cluster is not silent, then a binary search finds
    /// where the ring begins (a replay from before it is empty, from inside it is not). A probe
    /// that fails or is stopped makes the answer unknown, never "not in the ring".
    private func ringEdge(after start: Int64) async -> WindowSettlement.RingEdge {
        let newest = BucketClock.bucketStart(containing: Int64(clock.now)) - 2 * BucketClock.bucketSeconds
        var high = newest - 2 * BucketClock.bucketSeconds
        guard high > start else { return .silent }
        switch await probe(high) {
        case .failure(let failure): return failure
        case .success(false): return .silent
        case .success(true): break
        }
        var low = start
        while high - low > BucketClock.bucketSeconds {
            let middle = low + (high - low) / (2 * BucketClock.bucketSeconds) * BucketClock.bucketSeconds
            switch await probe(middle) {
            case .failure(let failure): return failure
            case .success(true): high = middle
            case .success(false): low = middle
            }
        }
        return .edge(high)
    }

    /// Whether a replay from `start` holds anything: true at its first replayed item, false
    /// when it stays quiet; a failure or a stop is returned as such.
    private func probe(_ start: Int64) async -> Result<Bool, WindowSettlement.RingEdge> {
        let end = await reads.read(from: start, goal: .probe(quiet: Self.probeQuietSeconds))
        switch end {
        case .probed: return .success(true)
        case .quiet: return .success(false)
        case .stopped(let signal): return .failure(.stopped(signal))
        default: return .failure(.failed)
        }
    }

    private func interrupted(_ outcome: Outcome, from: Int64, by signal: String) -> Outcome {
        var outcome = outcome
        outcome.stoppedBy = signal
        outcome.gaps.append(Gap(from: from, to: window.end, reason: .interrupted, detail: "capture stopped by \(signal) before this part was confirmed"))
        return outcome
    }
}

/// Reconnect delays: 1, 2, 4, 8, then 10 s; a stop ends the wait at once.
struct Backoff {
    private(set) var seconds = 1

    /// Waits the current delay on `clock` and doubles it; returns the signal if a stop came first.
    mutating func wait(_ clock: any CaptureClock, stop: StopRequest) async -> String? {
        let delay = seconds
        seconds = min(seconds * 2, 10)
        return await clock.sleep(seconds: Double(delay), stop: stop)
    }
}
