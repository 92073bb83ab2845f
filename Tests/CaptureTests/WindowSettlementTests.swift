import Testing
import TrailFormat
@testable import Capture

/// The settle decisions with fake time: each test hands `WindowSettlement` what a sequence of
/// closing reads showed and checks what it confirms, the gaps and their reasons, and where
/// every next read starts. No clock, no connection.
@Suite struct WindowSettlementTests {
    static let start: Int64 = 1_795_744_800
    static let bucketSeconds = BucketClock.bucketSeconds
    /// A past window of 20 buckets, settled long after its end (every bucket replayable).
    let window = CaptureWindow(start: Self.start, end: Self.start + 20 * Self.bucketSeconds, captureFrom: Self.start, gaps: [])
    let now = Double(Self.start + 3_000)

    func bucket(_ index: Int64) -> Int64 { Self.start + index * Self.bucketSeconds }

    func settlement() -> WindowSettlement {
        WindowSettlement(window: window, gaps: [], giveUpAt: now + 60)
    }

    /// What a read showed: replayed items reaching `reached`, adding to `added`.
    func read(reached: Int64?, added: Set<Int64> = [], earliest: Int64? = nil, received: Int = 10) -> ReadEvidence {
        ReadEvidence(received: received, added: added.count, replayed: reached != nil || earliest != nil,
                     reached: reached, earliest: earliest ?? reached, addedBuckets: added)
    }

    @Test func aReadThatPassesTheWindowAndAddsNothingSettlesIt() throws {
        var settlement = settlement()
        #expect(settlement.first(now: now) == .read(from: window.start, afterSeconds: 0))
        let next = try settlement.next(after: read(reached: window.end), end: .passed, restart: nil, now: now)
        #expect(next == .settled)
        #expect(settlement.gaps.isEmpty && settlement.failure == nil)
    }

    @Test func aReadThatAddsIsConfirmedByTheNextFromTheFirstBucketItAddedTo() throws {
        // The live reads missed bucket 7 (a drop for a slow reader): the first closing read adds
        // it; the buckets before 7 are confirmed, the next read starts at 7.
        var settlement = settlement()
        _ = settlement.first(now: now)
        var next = try settlement.next(after: read(reached: window.end, added: [bucket(7)]), end: .passed, restart: nil, now: now)
        #expect(next == .read(from: bucket(7), afterSeconds: 0))
        next = try settlement.next(after: read(reached: window.end), end: .passed, restart: nil, now: now)
        #expect(next == .settled)
        #expect(settlement.gaps.isEmpty)
    }

    @Test func aStreamCutAtTheSameSizeEveryTimeIsReadToTheEndInSteps() throws {
        // Every stream goes silent after ~6 buckets: each read from further on gets further.
        var settlement = settlement()
        var next = settlement.first(now: now)
        var reads = 0
        var from = window.start
        var held: Set<Int64> = []
        while case .read(let readFrom, _) = next, reads < 40 {
            #expect(readFrom == from || held.contains(readFrom))
            let reached = min(readFrom + 6 * Self.bucketSeconds, window.end + Self.bucketSeconds)
            let offered = Set(stride(from: readFrom, to: min(reached, window.end), by: Int(Self.bucketSeconds)))
            let added = offered.subtracting(held)
            held.formUnion(offered)
            next = try settlement.next(after: read(reached: reached, added: added), end: .stalled, restart: nil, now: now)
            from = settlement.settleFrom
            reads += 1
        }
        #expect(next == .settled)
        #expect(settlement.gaps.isEmpty)
        #expect(reads <= 10)
    }

    @Test func aReplayThatStopsAtTheSameItemEveryTimeLeavesTheRestUnconfirmed() throws {
        // Every replay goes silent in bucket 8: the buckets before are confirmed, the rest never.
        var settlement = settlement()
        _ = settlement.first(now: now)
        var next = try settlement.next(after: read(reached: bucket(8)), end: .stalled, restart: nil, now: now)
        #expect(next == .read(from: bucket(8), afterSeconds: 0))
        next = try settlement.next(after: read(reached: bucket(8)), end: .stalled, restart: nil, now: now)
        #expect(next == .read(from: bucket(8), afterSeconds: 0))
        next = try settlement.next(after: read(reached: bucket(8)), end: .stalled, restart: nil, now: now)
        #expect(next == .settled)
        #expect(settlement.gaps.map(\.reason) == [.unconfirmed])
        #expect(settlement.gaps.first.map { ($0.from, $0.to) } ?? (0, 0) == (bucket(8), window.end))
    }

    @Test func anOversizedItemCostsTheBucketThatHoldsIt() throws {
        let tooLarge = StreamRead.End.failed(CaptureError(.tooLarge, "over the receive limit"))
        // Every replay through bucket 6 fails at its oversized item, after part of bucket 6.
        var settlement = settlement()
        _ = settlement.first(now: now)
        // The first read gets buckets 0-6, adding them all (the window was past: no live reads).
        var next = try settlement.next(after: read(reached: bucket(6), added: Set((0...6).map(bucket))), end: tooLarge, restart: nil, now: now)
        #expect(next == .read(from: window.start, afterSeconds: 0))
        // The second adds nothing: 0-5 confirmed; it failed in 6.
        next = try settlement.next(after: read(reached: bucket(6)), end: tooLarge, restart: nil, now: now)
        #expect(next == .read(from: bucket(6), afterSeconds: 0))
        // From 6: it fails before showing anything past 6. The search reads from 7.
        next = try settlement.next(after: read(reached: bucket(6)), end: tooLarge, restart: nil, now: now)
        #expect(next == .read(from: bucket(7), afterSeconds: 0))
        // From 7 the replay passes the window: the item is in bucket 6, a one-bucket gap.
        next = try settlement.next(after: read(reached: window.end, added: [bucket(7)]), end: .passed, restart: nil, now: now)
        #expect(next == .read(from: bucket(7), afterSeconds: 0))
        next = try settlement.next(after: read(reached: window.end), end: .passed, restart: nil, now: now)
        #expect(next == .settled)
        #expect(settlement.gaps.map { [$0.from, $0.to] } == [[bucket(6), bucket(7)]])
        #expect(settlement.gaps.map(\.reason) == [.messageTooLarge])
    }

    @Test func anOversizedItemAfterEmptyBucketsCostsWhatCannotBeToldApart() throws {
        let tooLarge = StreamRead.End.failed(CaptureError(.tooLarge, "over the receive limit"))
        // Buckets 3-5 are empty; the oversized item is the first item of bucket 6.
        var settlement = settlement()
        _ = settlement.first(now: now)
        var next = try settlement.next(after: read(reached: bucket(2)), end: tooLarge, restart: nil, now: now)
        #expect(next == .read(from: bucket(2), afterSeconds: 0))
        // From 2: bucket 2's items, then the oversized item: no progress; search from 3.
        next = try settlement.next(after: read(reached: bucket(2)), end: tooLarge, restart: nil, now: now)
        #expect(next == .read(from: bucket(3), afterSeconds: 0))
        for empty in 4...6 {
            // From 3, 4, 5: the oversized item comes first.
            next = try settlement.next(after: read(reached: nil, received: 0), end: tooLarge, restart: nil, now: now)
            #expect(next == .read(from: bucket(Int64(empty)), afterSeconds: 0))
        }
        // From 6: nothing first either; from 7 the replay runs: the item is in bucket 6. Every read
        // from 2 ended there, so whether 2 was whole (or held a second such item) cannot be told:
        // 2 to 7 is the gap, nothing in it claimed.
        next = try settlement.next(after: read(reached: nil, received: 0), end: tooLarge, restart: nil, now: now)
        #expect(next == .read(from: bucket(7), afterSeconds: 0))
        next = try settlement.next(after: read(reached: window.end), end: .passed, restart: nil, now: now)
        #expect(next == .settled)
        #expect(settlement.gaps.map { [$0.from, $0.to] } == [[bucket(2), bucket(7)]])
        #expect(settlement.gaps.map(\.reason) == [.messageTooLarge])
    }

    @Test func oneFlowKeyOversizedInTwoBucketsNeverHasTheFirstClaimed() throws {
        // The same huge-labelled key in buckets 4 (after other items) and 5 (first): each
        // replay through 4 ends in 4.
        let tooLarge = StreamRead.End.failed(CaptureError(.tooLarge, "over the receive limit"))
        var settlement = settlement()
        _ = settlement.first(now: now)
        var next = try settlement.next(after: read(reached: bucket(4)), end: tooLarge, restart: nil, now: now)
        #expect(next == .read(from: bucket(4), afterSeconds: 0))
        next = try settlement.next(after: read(reached: bucket(4)), end: tooLarge, restart: nil, now: now)
        #expect(next == .read(from: bucket(5), afterSeconds: 0))
        next = try settlement.next(after: read(reached: nil, received: 0), end: tooLarge, restart: nil, now: now)
        #expect(next == .read(from: bucket(6), afterSeconds: 0))
        next = try settlement.next(after: read(reached: window.end), end: .passed, restart: nil, now: now)
        #expect(next == .settled)
        #expect(settlement.gaps.map { [$0.from, $0.to] } == [[bucket(4), bucket(6)]])
    }

    @Test func bucketsHeldButNoLongerSentAreLostNotConfirmed() throws {
        // The live reads hold buckets 0-9; Goldmane restarted and replays only from 10 on (no
        // key came back to show it by its id). Two replays pass 0-9 without sending them.
        var settlement = settlement()
        _ = settlement.first(now: now)
        let held = Set((0..<10).map(bucket))
        var evidence = read(reached: window.end)
        evidence.receivedBuckets = Set((10..<20).map(bucket))
        var next = try settlement.next(after: evidence, end: .passed, restart: nil, held: held, now: now)
        #expect(next == .read(from: window.start, afterSeconds: 0))
        next = try settlement.next(after: evidence, end: .passed, restart: nil, held: held, now: now)
        #expect(settlement.gaps.map(\.reason) == [.goldmaneRestarted])
        #expect(settlement.gaps.map { [$0.from, $0.to] } == [[window.start, bucket(10)]])
        #expect(settlement.restarts == 1)
        #expect(next == .read(from: bucket(10), afterSeconds: 0))
        next = try settlement.next(after: evidence, end: .passed, restart: nil, held: held, now: now)
        #expect(next == .settled)
    }

    @Test func aRestartMakesWhatTheOldProcessHeldAGapUpToTheNewProcessesFirstBucket() throws {
        let restart = RestartEvidence(knownBucket: bucket(-4), knownId: 9_001, bucket: bucket(12), id: 3)
        var settlement = settlement()
        _ = settlement.first(now: now)
        // The new process's first bucket is 12: the replay passes the window from there.
        let next = try settlement.next(after: read(reached: window.end, added: [bucket(12)], earliest: bucket(12)), end: .passed,
                                       restart: restart, now: now)
        #expect(next == .read(from: bucket(12), afterSeconds: 0))
        #expect(settlement.gaps.map(\.reason) == [.goldmaneRestarted])
        #expect(settlement.gaps.map { [$0.from, $0.to] } == [[window.start, bucket(12)]])
        #expect(settlement.restarts == 1)
        #expect(try settlement.next(after: read(reached: window.end), end: .passed, restart: restart, now: now) == .settled)
        #expect(settlement.restarts == 1)
    }

    @Test func aRestartWhoseNewProcessHasNothingInTheWindowMakesItAllAGap() throws {
        let restart = RestartEvidence(knownBucket: bucket(-4), knownId: 9_001, bucket: bucket(30), id: 3)
        var settlement = settlement()
        _ = settlement.first(now: now)
        let next = try settlement.next(after: read(reached: bucket(31), earliest: bucket(30)), end: .passed, restart: restart, now: now)
        #expect(next == .settled)
        #expect(settlement.gaps.map { [$0.from, $0.to] } == [[window.start, window.end]])
    }

    @Test func failuresAreRetriedWithBackoffThenTheRestIsAStreamDownGap() throws {
        let down = StreamRead.End.failed(CaptureError(.unreachable, "connection refused"))
        var settlement = WindowSettlement(window: window, gaps: [], giveUpAt: now + 10)
        _ = settlement.first(now: now)
        var clock = now
        var waits: [Int] = []
        var next = try settlement.next(after: read(reached: bucket(5), added: Set((0..<5).map(bucket))), end: down, restart: nil, now: clock)
        #expect(next == .read(from: window.start, afterSeconds: 0))  // it got past the first bucket: at once
        while true {
            next = try settlement.next(after: ReadEvidence(), end: down, restart: nil, now: clock)
            guard case .read(_, let wait) = next else { break }
            waits.append(wait)
            clock += Double(wait)
        }
        #expect(waits == [1, 2, 4])
        #expect(settlement.gaps.map(\.reason) == [.streamDown])
        #expect(settlement.failure?.code == .unreachable)
        #expect(settlement.reconnects == 5)
    }

    @Test func aStopMakesTheRestAnInterruptedGap() throws {
        var settlement = settlement()
        _ = settlement.first(now: now)
        _ = try settlement.next(after: read(reached: bucket(4), added: []), end: .stalled, restart: nil, now: now)
        let next = try settlement.next(after: ReadEvidence(), end: .stopped("SIGTERM"), restart: nil, now: now)
        #expect(next == .interrupted("SIGTERM"))
        #expect(settlement.gaps.map { [$0.from, $0.to] } == [[bucket(4), window.end]])
        #expect(settlement.gaps.map(\.reason) == [.interrupted])
    }

    @Test func aNonTransientFailureIsThrown() {
        var settlement = settlement()
        _ = settlement.first(now: now)
        #expect(throws: CaptureError.self) {
            try settlement.next(after: ReadEvidence(), end: .failed(CaptureError(.tls, "certificate expired")), restart: nil, now: now)
        }
    }

    @Test func nothingReplayedAsksWhereTheRingBegins() throws {
        var settlement = settlement()
        _ = settlement.first(now: now)
        #expect(try settlement.next(after: ReadEvidence(received: 0), end: .quiet, restart: nil, now: now) == .findRingEdge)
        // The ring starts at bucket 9 now: what is before is older than the ring.
        var next = settlement.next(afterRingEdge: .edge(bucket(9)), held: [], restart: nil, now: now)
        #expect(next == .read(from: bucket(10), afterSeconds: 0))
        #expect(settlement.gaps.map(\.reason) == [.olderThanRing])
        next = try settlement.next(after: read(reached: window.end), end: .passed, restart: nil, now: now)
        #expect(next == .settled)

        // Buckets the capture holds that Goldmane no longer replays: it lost its history.
        var lost = self.settlement()
        _ = lost.first(now: now)
        _ = try lost.next(after: ReadEvidence(received: 0), end: .quiet, restart: nil, now: now)
        next = lost.next(afterRingEdge: .silent, held: [bucket(3)], restart: nil, now: now)
        #expect(next == .settled)
        #expect(lost.gaps.map(\.reason) == [.goldmaneRestarted])
        #expect(lost.restarts == 1)

        // Silent everywhere and nothing held: nothing to lose.
        var silent = self.settlement()
        _ = silent.first(now: now)
        _ = try silent.next(after: ReadEvidence(received: 0), end: .quiet, restart: nil, now: now)
        #expect(silent.next(afterRingEdge: .silent, held: [], restart: nil, now: now) == .settled)
        #expect(silent.gaps.isEmpty)
    }

    @Test func aReadWaitsUntilItsFirstBucketIsReplayable() {
        // A window that just closed: its last bucket was streamed 3 s ago; a replay from it can
        // show it ran only once the bucket after it has been streamed too.
        let end = window.end
        var settlement = WindowSettlement(window: CaptureWindow(start: end - Self.bucketSeconds, end: end, captureFrom: end - Self.bucketSeconds, gaps: []),
                                          gaps: [], giveUpAt: Double(end) + 100)
        let justStreamed = Double(BucketClock.streamedAt(bucketStart: end - Self.bucketSeconds)) + 3
        #expect(settlement.first(now: justStreamed) == .read(from: end - Self.bucketSeconds, afterSeconds: 13))
    }

    @Test func heldBucketsThatAgedOutOfTheRingAreNoRestart() throws {
        // A catch-up window starting two minutes inside the ring: by its second read, its first
        // buckets have aged out. The ring's edge is where an hour-long ring begins now.
        let late = Double(window.start) + 3_600 + 60
        var settlement = WindowSettlement(window: window, gaps: [], giveUpAt: late + 60)
        _ = settlement.first(now: late)
        _ = try settlement.next(after: ReadEvidence(received: 0), end: .quiet, restart: nil, now: late)
        let edge = BucketClock.bucketStart(containing: Int64(late) - BucketClock.ringSeconds) + Self.bucketSeconds
        _ = settlement.next(afterRingEdge: .edge(edge), held: [window.start, bucket(1)], restart: nil, now: late)
        #expect(settlement.gaps.map(\.reason) == [.olderThanRing])
        #expect(settlement.restarts == 0)
    }

    @Test func settlingEndsTenMinutesPastTheDeadlineWhateverTheReadsDo() throws {
        // A server that moves one bucket per read and takes minutes per read.
        var settlement = settlement()
        var clock = now
        _ = settlement.first(now: clock)
        var next = WindowSettlement.Next.settled
        for index in 1...20 {
            clock += 120
            next = try settlement.next(after: read(reached: bucket(Int64(index))), end: .stalled, restart: nil, now: clock)
            if next == .settled { break }
        }
        #expect(next == .settled)
        #expect(clock >= now + 60 + WindowSettlement.maxSettleSeconds)
        #expect(settlement.gaps.map(\.reason) == [.streamDown])
        #expect(settlement.failure != nil)
        #expect(settlement.gaps.first?.to == window.end)
    }
}
