import Foundation
import TrailFormat

/// Captures one window: reads live while the window is open (so that what Goldmane streams
/// is held even if it restarts later), then settles the window with closing re-reads from its
/// start once its last bucket has rolled over (plus grace): a read that ends quiet, replayed
/// what the ring holds, and added nothing new confirms every bucket it requested. Everything
/// else is a gap with its reason. Item order, ids and times never decide anything.
struct WindowCapture {
    let window: CaptureWindow
    let grace: Int64
    let read: StreamRead
    let collector: WindowCollector
    let log: @Sendable (String) -> Void

    /// Quiet that ends a replay (Goldmane sends a replay in one burst).
    static let quietSeconds: Double = 2
    /// Quiet that ends a probe of the ring.
    static let probeQuietSeconds: Double = 1.5
    /// How long past the deadline (or the start, for a window already past) a failing stream
    /// is still retried: a short outage should not become a gap.
    static let retrySecondsAfterDeadline: Double = 30
    /// Closing reads until one adds nothing; past this many the window is settled anyway.
    static let maxClosingReads = 6
    /// How far back a replay surely reaches in a full ring (Goldmane keeps 3600 s).
    static let fullRingSeconds: Int64 = CaptureWindow.replayableSeconds

    struct Gap {
        var from: Int64
        var to: Int64
        var reason: GapReason
        var detail: String
    }

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
        let giveUpAt = max(readyAt, Date().timeIntervalSince1970) + Self.retrySecondsAfterDeadline
        var backoff = Backoff()

        // Live: hold what is streamed while the window is open.
        let stallAfter = Double(BucketClock.bucketSeconds + grace) + Self.quietSeconds
        while Date().timeIntervalSince1970 < readyAt {
            let end = await read.run(from: window.captureFrom, goal: .live(until: readyAt, stallAfter: stallAfter))
            outcome.reads += 1
            switch end {
            case .deadline: break
            case .stopped(let signal): return interrupted(outcome, from: window.captureFrom, by: signal)
            case .failed(let failure):
                guard StreamFailure.isTransient(failure) else { throw failure }
                outcome.reconnects += 1
                outcome.failure = failure
                log("stream failed, reconnecting in \(backoff.seconds) s: \(failure.message)")
                if let signal = await backoff.wait(stop: read.stop) { return interrupted(outcome, from: window.captureFrom, by: signal) }
            case .stalled, .endedByServer, .quiet, .probed:
                outcome.reconnects += 1
                if end == .stalled {
                    log("no item for \(Int(stallAfter)) s while buckets were due: reconnecting (a stalled stream, or a silent cluster)")
                } else {
                    log("Goldmane ended the stream before the window did: reconnecting in \(backoff.seconds) s")
                    if let signal = await backoff.wait(stop: read.stop) { return interrupted(outcome, from: window.captureFrom, by: signal) }
                }
            }
            if collector.readProgress.added > 0 { backoff = Backoff() }
        }

        // Closing re-reads: settle [settleFrom, end).
        var settleFrom = window.captureFrom
        var closingReads = 0
        backoff = Backoff()
        while settleFrom < window.end {
            let end = await read.run(from: settleFrom, goal: .untilQuiet(seconds: Self.quietSeconds))
            outcome.reads += 1
            let progress = collector.readProgress
            switch end {
            case .stopped(let signal):
                return interrupted(outcome, from: settleFrom, by: signal)
            case .quiet where progress.replayed:
                closingReads += 1
                // A replay proves the ring reached `settleFrom` (Goldmane replays nothing from an
                // older start), so every bucket from there was offered. A read that adds nothing
                // confirms the earlier ones; one that adds something (a stall, a drop for a slow
                // reader, a first read) is read again.
                if progress.added == 0 {
                    outcome.failure = nil
                    return outcome
                }
                if closingReads >= Self.maxClosingReads {
                    // Every read still finds new items: no read can be trusted to be complete.
                    outcome.gaps.append(Gap(from: settleFrom, to: window.end, reason: .streamDown,
                                            detail: "\(closingReads) closing re-reads each added items (the last \(progress.added)); none confirmed the window"))
                    return outcome
                }
            case .quiet:
                // Nothing replayed: a silent window, or a ring that no longer reaches it.
                closingReads += 1
                let held = collector.heldBuckets.filter { $0 >= settleFrom && $0 < window.end }
                let edge: Int64?
                switch await ringEdge(after: settleFrom) {
                case .unknown(let probe):
                    if case .stopped(let signal) = probe.end { return interrupted(outcome, from: settleFrom, by: signal) }
                    // A probe failed: conclude nothing; read again (with backoff, to the deadline).
                    if let failed = await retryOrGiveUp(&outcome, &backoff, from: settleFrom, giveUpAt: giveUpAt,
                                                        CaptureError(.unreachable, "a probe of Goldmane's ring failed")) {
                        return failed
                    }
                    continue
                case .silent:
                    edge = nil
                    if held.isEmpty {
                        outcome.failure = nil
                        return outcome  // silent: nothing was there to lose (docs/operations.md says what cannot be told)
                    }
                case .edge(let found):
                    edge = found
                }
                // The ring's edge moves a bucket every 15 s while the search runs: settle from one
                // bucket past it (the first bucket after a restart is partial anyway).
                let lostTo = min(edge.map { $0 + BucketClock.bucketSeconds } ?? window.end, window.end)
                // Items held for buckets Goldmane no longer replays are evidence that it lost
                // its history; without them, all that is known is where its ring begins.
                let restarted = held.contains { $0 < lostTo }
                let reason: GapReason = restarted ? .goldmaneRestarted : .olderThanRing
                let detail = (edge.map { "Goldmane's ring starts at \(UTCTime.rfc3339($0)) now" } ?? "Goldmane replays nothing from here")
                    + (restarted ? ", and it no longer holds buckets this capture received: it restarted, or lost its history" : "")
                if restarted && !outcome.gaps.contains(where: { $0.reason == .goldmaneRestarted }) {
                    outcome.restarts += 1
                    log("Goldmane restarted: \(detail)")
                }
                outcome.gaps = Self.extend(outcome.gaps, with: Gap(from: settleFrom, to: lostTo, reason: reason, detail: detail))
                settleFrom = lostTo
                closingReads = 0
            case .failed(let failure) where !StreamFailure.isTransient(failure):
                throw failure
            case .failed, .endedByServer, .stalled, .deadline, .probed:
                let failure: CaptureError
                if case .failed(let reason) = end { failure = reason } else {
                    failure = CaptureError(.unreachable, "Goldmane ended the stream before its replay was over")
                }
                if let failed = await retryOrGiveUp(&outcome, &backoff, from: settleFrom, giveUpAt: giveUpAt, failure) {
                    return failed
                }
            }
        }
        outcome.failure = nil
        return outcome
    }

    /// What the ring-edge search found.
    enum RingEdge {
        /// The newest buckets are silent too: nothing can be told.
        case silent
        /// The first bucket Goldmane replays from, after the start asked for.
        case edge(Int64)
        /// A probe failed or was stopped: nothing may be concluded.
        case unknown(ProbeEnd)
    }

    /// The first bucket from which Goldmane replays something, when it is after `start`: a
    /// probe of the newest buckets shows the cluster is not silent, then a binary search finds
    /// where the ring begins (a replay from before it is empty, from inside it is not). A probe
    /// that fails or is stopped makes the answer unknown, never "not in the ring".
    private func ringEdge(after start: Int64) async -> RingEdge {
        let newest = BucketClock.bucketStart(containing: Int64(Date().timeIntervalSince1970)) - 2 * BucketClock.bucketSeconds
        var high = newest - 2 * BucketClock.bucketSeconds
        guard high > start else { return .silent }
        switch await probe(high) {
        case .failure(let failure): return .unknown(failure)
        case .success(false): return .silent
        case .success(true): break
        }
        var low = start
        while high - low > BucketClock.bucketSeconds {
            let middle = low + (high - low) / (2 * BucketClock.bucketSeconds) * BucketClock.bucketSeconds
            switch await probe(middle) {
            case .failure(let failure): return .unknown(failure)
            case .success(true): high = middle
            case .success(false): low = middle
            }
        }
        return .edge(high)
    }

    /// Whether a replay from `start` holds anything: true at its first replayed item, false
    /// when it stays quiet; a failure or a stop is returned as such.
    private func probe(_ start: Int64) async -> Result<Bool, ProbeEnd> {
        let end = await read.run(from: start, goal: .probe(quiet: Self.probeQuietSeconds))
        switch end {
        case .probed: return .success(true)
        case .quiet: return .success(false)
        default: return .failure(ProbeEnd(end: end))
        }
    }

    struct ProbeEnd: Error {
        var end: StreamRead.End
    }

    /// After a failed closing read or probe: waits the backoff and returns nil (read again), or
    /// returns the outcome with the rest of the window a gap once the deadline is near, or
    /// interrupted when a stop comes during the wait.
    private func retryOrGiveUp(_ outcome: inout Outcome, _ backoff: inout Backoff, from settleFrom: Int64, giveUpAt: Double,
                               _ failure: CaptureError) async -> Outcome? {
        outcome.failure = failure
        outcome.reconnects += 1
        if Date().timeIntervalSince1970 + Double(backoff.seconds) >= giveUpAt {
            let reason: GapReason = failure.code == .tooLarge ? .messageTooLarge : .streamDown
            outcome.gaps.append(Gap(from: settleFrom, to: window.end, reason: reason, detail: failure.message))
            return outcome
        }
        log("closing re-read failed, retrying in \(backoff.seconds) s: \(failure.message)")
        if let signal = await backoff.wait(stop: read.stop) { return interrupted(outcome, from: settleFrom, by: signal) }
        return nil
    }

    /// Appends `gap`, merged into the last one when they touch and share a reason.
    static func extend(_ gaps: [Gap], with gap: Gap) -> [Gap] {
        var gaps = gaps
        if let last = gaps.last, last.to == gap.from, last.reason == gap.reason {
            gaps[gaps.count - 1].to = gap.to
            gaps[gaps.count - 1].detail = gap.detail
        } else {
            gaps.append(gap)
        }
        return gaps
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

    /// Waits the current delay and doubles it; returns the signal if a stop came first.
    mutating func wait(stop: StopRequest) async -> String? {
        let delay = seconds
        seconds = min(seconds * 2, 10)
        let signal: String? = await withTaskGroup(of: String?.self) { group in
            group.addTask {
                try? await Task.sleep(for: .seconds(delay))
                return nil
            }
            group.addTask {
                let signal = await stop.wait()
                return signal.isEmpty ? nil : signal
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
        return signal ?? stop.requested
    }
}
