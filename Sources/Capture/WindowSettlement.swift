import TrailFormat

/// The decisions that settle a window once its last bucket has been streamed: from what each
/// closing read showed (`ReadEvidence`), which part of the window is confirmed, which part is a
/// gap and why, and where the next read starts. Pure: no clock, no connection; the capture
/// drives the reads and hands in what they showed, with the time (unit-tested with fake time).
///
/// The rules (docs/operations.md, "What a capture can and cannot tell"):
/// - Goldmane replays buckets in order, so a read that got an item of bucket b was offered every
///   bucket before b. Those buckets are confirmed when the read added nothing to them (an
///   earlier read had every item it sent: a drop for a slow reader, which Goldmane never
///   signals, would have to hit the same bucket in both).
/// - The next read starts at the earliest bucket not confirmed, never the window's start again.
/// - A read that stops short of the window's end twice from the same bucket (a stream cut at
///   the same item or size, or a cluster silent since) leaves the rest a `replay_unconfirmed` gap.
/// - An item over the receive limit: replays from one bucket later, and later, find the bucket
///   that holds it; that bucket is a `message_too_large` gap, the rest is read.
/// - A restart (a FlowKey with two ids less than an hour apart): what the old process held from
///   the earliest bucket not confirmed up to the first bucket the new one replays is a
///   `goldmane_restarted` gap.
struct WindowSettlement {
    enum Next: Equatable {
        /// Read from `from`, after waiting `afterSeconds`.
        case read(from: Int64, afterSeconds: Int)
        /// Nothing was replayed from `settleFrom`: find where Goldmane's ring begins.
        case findRingEdge
        /// Settled: every bucket is confirmed or in a gap.
        case settled
        /// A stop came: the rest is an `interrupted` gap.
        case interrupted(String)
    }

    /// What the search for the ring's first bucket found.
    enum RingEdge: Error, Equatable, Sendable {
        /// The newest buckets are silent too: nothing can be told.
        case silent
        /// The first bucket Goldmane replays from, after the start asked for.
        case edge(Int64)
        /// A probe failed: nothing may be concluded.
        case failed
        case stopped(String)
    }

    /// Stopped reads from one bucket before the rest is a `replay_unconfirmed` gap.
    static let maxStoppedReads = 2
    /// Reads from one bucket that each add items to it before it is a `stream_down` gap.
    static let maxAddingReads = 6
    /// How long past the retry deadline settling may go on at all.
    static let maxSettleSeconds: Double = 600
    static let bucket = BucketClock.bucketSeconds

    let window: CaptureWindow
    /// When failing reads stop being retried (the rest is then a gap).
    let giveUpAt: Double
    /// The earliest bucket not yet confirmed.
    private(set) var settleFrom: Int64
    /// Where the read in progress started.
    private(set) var readFrom: Int64
    private(set) var gaps: [CaptureGap]
    /// The failure that left part of the window uncaptured, if one did.
    private(set) var failure: CaptureError?
    private(set) var restarts = 0
    private(set) var reconnects = 0
    private var backoffSeconds = 1
    private var stoppedReads = 0
    private var addingReads = 0
    private var unsentReads = 0
    private var restartApplied = false
    /// Where an item over the receive limit is: being searched from a bucket, or found.
    private var oversized: Oversized = .unknown

    enum Oversized: Equatable {
        case unknown
        /// Reads from this bucket on find it: it is at or after the bucket before.
        case searching(from: Int64)
    }

    init(window: CaptureWindow, gaps: [CaptureGap], giveUpAt: Double) {
        self.window = window
        self.giveUpAt = giveUpAt
        self.gaps = gaps
        settleFrom = window.captureFrom
        readFrom = window.captureFrom
    }

    /// The current time, as the last call handed it in.
    private var now: Double = 0

    /// The first read, at `now`.
    mutating func first(now: Double) -> Next {
        self.now = now
        return settleFrom < window.end ? readAgain() : .settled
    }

    /// Seconds to wait before a replay from `from` can show it ran: its first bucket must have
    /// been streamed before the read begins (a replayed item, older than the newest bucket
    /// streamed, cannot be a live copy), which is so from `from` + 45 s on.
    func secondsUntilReplayable(_ from: Int64) -> Int {
        let ready = Double(from + 3 * Self.bucket) + 1
        return now >= ready ? 0 : Int((ready - now).rounded(.up))
    }

    /// After the read from `readFrom` ended with `end`, having shown `read`; `restart` is the
    /// collector's proof of a restart, if it has one; `now` is the current Unix time.
    mutating func next(after read: ReadEvidence, end: StreamRead.End, restart: RestartEvidence?, held: Set<Int64> = [],
                       now: Double) throws(CaptureError) -> Next {
        self.now = now
        switch end {
        case .stopped(let signal):
            return interrupt(signal)
        case .failed(let failure) where !StreamFailure.isTransient(failure):
            throw failure
        case .failed, .endedByServer:
            reconnects += 1
        default:
            break
        }
        if now >= giveUpAt + Self.maxSettleSeconds {
            // Reads that each move a little (a server trickling items) must not run for hours
            // while the window's start ages out of the ring.
            failure = CaptureError(.unreachable, "the window could not be settled within \(Int(Self.maxSettleSeconds) / 60) minutes of its deadline: Goldmane replays too slowly")
            gap(from: settleFrom, to: window.end, .streamDown, failure!.message)
            return .settled
        }
        if case .searching(let from) = oversized {
            let nothingReplayed = read.reached == nil && !read.replayed
            if end.isTooLarge && nothingReplayed {
                // The oversized item is the first thing a replay from `from` sends: it is later.
                return searchOversized(from: from + Self.bucket)
            }
            oversized = .unknown
            if nothingReplayed, end != .quiet {
                // Failed or ended before it showed anything: the search starts over.
                failure = end.failure ?? CaptureError(.unreachable, "Goldmane ended the stream before its replay passed the window's end")
                return retry(now: now)
            }
            // A replay from `from` did not meet it first: it is in the bucket before. Every read
            // from before that failed there, so what lies between cannot be told apart from it
            // (a second oversized item, or empty buckets): all of it is the gap, never claimed.
            stoppedReads = 0
            addingReads = 0
            gap(from: settleFrom, to: from, .messageTooLarge, Self.tooLargeDetail(from - settleFrom))
            settleFrom = from
            if settleFrom >= window.end { return settled() }
            // This read started at `from`, the new settleFrom: what it showed counts below.
        }
        if let restart, !restartApplied, read.replayed {
            restartApplied = true
            restarts += 1
            // The read began after the restart (no stream outlives one): the first bucket it
            // got is the first the new process has; what the old one held before is lost.
            let newFirst = min(max(read.earliest ?? window.end, settleFrom), window.end)
            if newFirst > settleFrom {
                gap(from: settleFrom, to: newFirst, .goldmaneRestarted, restart.detail + "; the buckets it held from here were not read before it")
                settleFrom = newFirst
                stoppedReads = 0
                addingReads = 0
            }
            if settleFrom >= window.end { return settled() }
        }

        let before = settleFrom
        let addedHere = read.addedBuckets.filter { $0 >= settleFrom }.min()
        if let reached = read.reached, reached > settleFrom {
            // A bucket this capture holds items of that the replay passed without sending one:
            // Goldmane no longer has it (or a slow reader lost it this time): not confirmed.
            let unsent = held.filter { $0 >= settleFrom && $0 < reached && !read.receivedBuckets.contains($0) }.min()
            settleFrom = min(reached, addedHere ?? reached, unsent ?? reached, window.end)
            if settleFrom == before, unsent == before {
                unsentReads += 1
                if unsentReads >= Self.maxStoppedReads {
                    // Twice passed without its items: Goldmane lost what it held from here.
                    let resent = read.receivedBuckets.filter { $0 > before }.min() ?? reached
                    let to = min(resent, window.end)
                    if !gaps.contains(where: { $0.reason == .goldmaneRestarted }) { restarts += 1 }
                    gap(from: before, to: to, .goldmaneRestarted, "\(unsentReads) replays passed buckets this capture received without sending their items: Goldmane restarted, or lost its history")
                    settleFrom = to
                }
            }
        }
        if settleFrom >= window.end { return settled() }
        if settleFrom > before {
            stoppedReads = 0
            addingReads = 0
            unsentReads = 0
            backoffSeconds = 1
            failure = end.failure
            return readAgain()
        }

        // No progress.
        if addedHere == settleFrom {
            addingReads += 1
            if addingReads >= Self.maxAddingReads {
                // Every read still finds new items here: none can be trusted to be complete.
                gap(from: settleFrom, to: window.end, .streamDown, "\(addingReads) closing re-reads from here each added items; none confirmed the rest of the window")
                return settled()
            }
        }
        switch end {
        case .failed(let failure):
            self.failure = failure
            // It got past the first bucket, adding: the next read confirms that part.
            if let reached = read.reached, reached > settleFrom { return readAgain() }
            if failure.code == .tooLarge { return searchOversized(from: settleFrom + Self.bucket) }
            return retry(now: now)
        case .endedByServer, .deadline, .probed:
            failure = CaptureError(.unreachable, "Goldmane ended the stream before its replay passed the window's end")
            return retry(now: now)
        case .quiet, .stalled, .passed, .stopped:
            if !read.replayed && read.reached == nil && addedHere == nil { return .findRingEdge }
            if addedHere == settleFrom { return readAgain() }
            stoppedReads += 1
            if stoppedReads >= Self.maxStoppedReads {
                let at = read.reached.map { " at bucket \(UTCTime.rfc3339($0))" } ?? ""
                gap(from: settleFrom, to: window.end, .unconfirmed,
                    "\(stoppedReads) replays from here each stopped\(at) and no item after the window came: a stream cut at the same place each time, a server that ends its replay early, or a cluster silent since")
                return settled()
            }
            return readAgain()
        }
    }

    /// After the search for the ring's first bucket (`held`: the buckets the window holds items of).
    mutating func next(afterRingEdge edge: RingEdge, held: Set<Int64>, restart: RestartEvidence?, now: Double) -> Next {
        self.now = now
        let found: Int64?
        switch edge {
        case .stopped(let signal):
            return interrupt(signal)
        case .failed:
            failure = CaptureError(.unreachable, "a probe of Goldmane's ring failed")
            return retry(now: now)
        case .silent:
            found = nil
        case .edge(let bucket):
            found = bucket
        }
        let heldHere = held.filter { $0 >= settleFrom && $0 < window.end }
        if let restart, !restartApplied {
            restartApplied = true
            restarts += 1
            let newFirst = min(found ?? window.end, window.end)
            gap(from: settleFrom, to: max(newFirst, settleFrom + Self.bucket), .goldmaneRestarted, restart.detail)
            settleFrom = max(newFirst, settleFrom + Self.bucket)
            return settleFrom >= window.end ? settled() : readAgain()
        }
        if found == nil && heldHere.isEmpty {
            return settled()  // silent: nothing was there to lose (docs/operations.md says what cannot be told)
        }
        // The ring's edge moves a bucket every 15 s while the search runs: settle from one
        // bucket past it (the first bucket after a restart is partial anyway).
        let lostTo = min(found.map { $0 + Self.bucket } ?? window.end, window.end)
        // Items held for buckets Goldmane no longer replays are evidence that it lost its
        // history, unless its ring begins where an hour-long ring does now (they aged out while
        // the capture read: a long catch-up window); without them, all that is known is where
        // its ring begins.
        let agedOut = found.map { $0 <= Int64(now) - BucketClock.ringSeconds + 4 * Self.bucket } ?? false
        let restarted = !agedOut && heldHere.contains { $0 < lostTo }
        let detail = (found.map { "Goldmane's ring starts at \(UTCTime.rfc3339($0)) now" } ?? "Goldmane replays nothing from here")
            + (restarted ? ", and it no longer holds buckets this capture received: it restarted, or lost its history" : "")
        if restarted && !gaps.contains(where: { $0.reason == .goldmaneRestarted }) { restarts += 1 }
        gap(from: settleFrom, to: lostTo, restarted ? .goldmaneRestarted : .olderThanRing, detail)
        settleFrom = lostTo
        stoppedReads = 0
        addingReads = 0
        return settleFrom >= window.end ? settled() : readAgain()
    }

    // MARK: - Steps

    private mutating func readAgain(afterSeconds: Int = 0) -> Next {
        readFrom = settleFrom
        return .read(from: settleFrom, afterSeconds: max(afterSeconds, secondsUntilReplayable(settleFrom)))
    }

    private mutating func searchOversized(from: Int64) -> Next {
        guard from < window.end else {
            // Every replay from the window's last bucket meets it first: it is there, or after.
            oversized = .unknown
            gap(from: settleFrom, to: window.end, .messageTooLarge, Self.tooLargeDetail(window.end - settleFrom))
            return settled()
        }
        oversized = .searching(from: from)
        readFrom = from
        return .read(from: from, afterSeconds: secondsUntilReplayable(from))
    }

    static func tooLargeDetail(_ seconds: Int64) -> String {
        let limit = "\(GoldmaneStreamClient.maxMessageBytes >> 20) MiB"
        return seconds <= bucket
            ? "an item of this bucket is over the \(limit) receive limit: every replay ends there"
            : "an item over the \(limit) receive limit ends every replay here; which of these buckets holds it (and whether more than one do) cannot be told"
    }

    /// A failed read: again after the backoff, or, when the deadline is near, the rest is a gap.
    private mutating func retry(now: Double) -> Next {
        let failure = self.failure ?? CaptureError(.unreachable, "the stream failed")
        if now + Double(backoffSeconds) >= giveUpAt {
            gap(from: settleFrom, to: window.end, failure.code == .tooLarge ? .messageTooLarge : .streamDown, failure.message)
            return .settled
        }
        let wait = backoffSeconds
        backoffSeconds = min(backoffSeconds * 2, 10)
        return readAgain(afterSeconds: wait)
    }

    private mutating func settled() -> Next {
        failure = nil
        return .settled
    }

    private mutating func interrupt(_ signal: String) -> Next {
        gap(from: settleFrom, to: window.end, .interrupted, "capture stopped by \(signal) before this part was confirmed")
        return .interrupted(signal)
    }

    private mutating func gap(from: Int64, to: Int64, _ reason: GapReason, _ detail: String) {
        gaps = CaptureGap.extend(gaps, with: CaptureGap(from: from, to: to, reason: reason, detail: detail))
    }
}

extension StreamRead.End {
    var failure: CaptureError? {
        if case .failed(let failure) = self { return failure }
        return nil
    }

    var isTooLarge: Bool {
        if case .failed(let failure) = self { return failure.code == .tooLarge }
        return false
    }
}
