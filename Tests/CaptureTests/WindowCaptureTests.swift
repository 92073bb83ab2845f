import Synchronization
import Testing
import TrailFormat
@testable import Capture

/// The whole window capture (live reads, reconnects and their backoff, stops, the closing
/// re-reads and their retries) with a fake clock and scripted reads: each test says what every
/// read of Goldmane's stream ends with and shows, and checks where each read started, which
/// goal it had, how long capture waited, and the outcome. No connection, no real time.
@Suite struct WindowCaptureTests {
    static let start: Int64 = 1_795_744_800
    static let bucket = BucketClock.bucketSeconds
    /// A 10-bucket window.
    let window = CaptureWindow(start: Self.start, end: Self.start + 10 * Self.bucket, captureFrom: Self.start, gaps: [])
    let grace: Int64 = 5

    var readyAt: Double { Double(window.deadline(grace: grace)) }

    /// A read's evidence: replayed items received up to `reached`, adding `added`.
    func evidence(reached: Int64?, added: Set<Int64> = [], received: Set<Int64> = []) -> ReadEvidence {
        ReadEvidence(received: 10, added: added.count, replayed: reached != nil, reached: reached, earliest: reached.map { _ in Self.start },
                     addedBuckets: added, receivedBuckets: received)
    }

    func capture(_ reads: ScriptedReads, clock: FakeClock) -> WindowCapture {
        WindowCapture(window: window, grace: grace, reads: reads, clock: clock, log: { _ in })
    }

    @Test func anOpenWindowIsReadLiveToItsDeadlineThenSettledByOneClosingRead() async throws {
        let clock = FakeClock(now: Double(Self.start))
        let reads = ScriptedReads(clock: clock, [
            .init(end: .deadline, evidence: evidence(reached: window.end - Self.bucket, added: [Self.start]), advanceTo: readyAt),
            // The closing read must send again what the live read held, or the bucket is not confirmed.
            .init(end: .passed, evidence: evidence(reached: window.end + Self.bucket, received: [Self.start]), advanceBy: 1),
        ])
        let outcome = try await capture(reads, clock: clock).run()
        #expect(reads.log.map(\.goal) == ["live", "settle"] && reads.log.map(\.from) == [Self.start, Self.start])
        #expect(outcome.gaps.isEmpty && outcome.failure == nil && outcome.reads == 2 && outcome.reconnects == 0)
        #expect(clock.sleeps.isEmpty)
    }

    @Test func aFailingLiveStreamReconnectsWithBackoffFromWhereItGot() async throws {
        let clock = FakeClock(now: Double(Self.start))
        let down = StreamRead.End.failed(CaptureError(.unreachable, "connection refused"))
        let reads = ScriptedReads(clock: clock, [
            .init(end: down, evidence: evidence(reached: Self.start + 3 * Self.bucket), advanceBy: 60),
            .init(end: down, evidence: evidence(reached: nil), advanceBy: 1),
            .init(end: down, evidence: evidence(reached: nil), advanceBy: 1),
            .init(end: .deadline, evidence: evidence(reached: window.end - Self.bucket), advanceTo: readyAt),
            .init(end: .passed, evidence: evidence(reached: window.end + Self.bucket), advanceBy: 1),
        ])
        let outcome = try await capture(reads, clock: clock).run()
        // Backoff 1, 2, 4 s; every reconnect asks from the latest bucket offered whole.
        #expect(clock.sleeps == [1, 2, 4])
        #expect(reads.log.map(\.from) == [Self.start, Self.start + 3 * Self.bucket, Self.start + 3 * Self.bucket, Self.start + 3 * Self.bucket, Self.start])
        #expect(outcome.reconnects == 3 && outcome.gaps.isEmpty)
    }

    @Test func aStalledLiveStreamReconnectsAtOnce() async throws {
        let clock = FakeClock(now: Double(Self.start))
        let reads = ScriptedReads(clock: clock, [
            .init(end: .stalled, evidence: evidence(reached: Self.start + Self.bucket), advanceBy: 40),
            .init(end: .deadline, evidence: evidence(reached: window.end - Self.bucket), advanceTo: readyAt),
            .init(end: .passed, evidence: evidence(reached: window.end + Self.bucket), advanceBy: 1),
        ])
        let outcome = try await capture(reads, clock: clock).run()
        #expect(clock.sleeps.isEmpty && outcome.reconnects == 1)
        #expect(reads.log.map(\.goal) == ["live", "live", "settle"])
    }

    @Test func anOversizedItemThatStopsTheLiveStreamInPlaceIsSteppedOver() async throws {
        let clock = FakeClock(now: Double(Self.start))
        let tooLarge = StreamRead.End.failed(CaptureError(.tooLarge, "a message over the limit"))
        let reads = ScriptedReads(clock: clock, [
            .init(end: tooLarge, evidence: evidence(reached: nil), advanceBy: 1),
            .init(end: .deadline, evidence: evidence(reached: window.end - Self.bucket), advanceTo: readyAt),
            .init(end: .passed, evidence: evidence(reached: window.end + Self.bucket), advanceBy: 1),
        ])
        _ = try await capture(reads, clock: clock).run()
        #expect(reads.log.prefix(2).map(\.from) == [Self.start, Self.start + Self.bucket])
    }

    @Test func aTLSFailureEndsTheCaptureBeforeAnythingIsWritten() async throws {
        let clock = FakeClock(now: Double(Self.start))
        let reads = ScriptedReads(clock: clock, [
            .init(end: .failed(CaptureError(.tls, "certificate expired")), evidence: evidence(reached: nil), advanceBy: 1),
        ])
        await #expect(throws: CaptureError(.tls, "certificate expired")) { try await capture(reads, clock: clock).run() }
        #expect(reads.log.count == 1)
    }

    @Test func aStopDuringTheBackoffEndsTheCaptureWithTheRestInterrupted() async throws {
        let clock = FakeClock(now: Double(Self.start))
        let reads = ScriptedReads(clock: clock, [
            .init(end: .failed(CaptureError(.unreachable, "connection refused")), evidence: evidence(reached: nil), advanceBy: 1, stop: "SIGTERM"),
        ])
        let outcome = try await capture(reads, clock: clock).run()
        #expect(outcome.stoppedBy == "SIGTERM")
        #expect(outcome.gaps.map(\.reason) == [.interrupted] && outcome.gaps.first?.from == window.captureFrom)
    }

    @Test func closingReadsThatKeepFailingEndAsStreamDownAtTheirDeadline() async throws {
        // A window already past: no live read. Every closing read fails; capture retries with
        // the settle backoff until 30 s past the start, then records the window as stream_down.
        let clock = FakeClock(now: Double(window.end + 300))
        let down = StreamRead.End.failed(CaptureError(.unreachable, "connection refused"))
        let reads = ScriptedReads(clock: clock, Array(repeating: .init(end: down, evidence: evidence(reached: nil), advanceBy: 1), count: 40))
        let outcome = try await capture(reads, clock: clock).run()
        #expect(reads.log.allSatisfy { $0.goal == "settle" && $0.from == Self.start })
        #expect(outcome.gaps.map(\.reason) == [.streamDown])
        #expect(outcome.failure?.code == .unreachable)
        let giveUpAt = Double(window.end + 300) + WindowCapture.retrySecondsAfterDeadline
        #expect(reads.log.allSatisfy { $0.at < giveUpAt }, "no read starts after the retry deadline")
        #expect(reads.log.count >= 4 && clock.now > giveUpAt - 15, "retried until close to the deadline")
    }

    @Test func aReplayThatStopsInTheSameBucketTwiceIsUnconfirmedFromThere() async throws {
        let clock = FakeClock(now: Double(window.end + 300))
        let stuck = Self.start + 6 * Self.bucket
        let reads = ScriptedReads(clock: clock, [
            .init(end: .stalled, evidence: evidence(reached: stuck), advanceBy: 10),
            .init(end: .stalled, evidence: evidence(reached: stuck), advanceBy: 10),
            .init(end: .stalled, evidence: evidence(reached: stuck), advanceBy: 10),
        ])
        let outcome = try await capture(reads, clock: clock).run()
        #expect(reads.log.map(\.from) == [Self.start, stuck, stuck])
        #expect(outcome.gaps.map(\.reason) == [.unconfirmed] && outcome.gaps.first?.from == stuck)
    }
}

/// A clock that moves only when told, or when capture sleeps (by the time slept).
final class FakeClock: CaptureClock {
    private let state: Mutex<(now: Double, sleeps: [Double])>

    init(now: Double) { state = Mutex((now, [])) }

    var now: Double { state.withLock { $0.now } }
    var sleeps: [Double] { state.withLock { $0.sleeps } }

    func advance(to time: Double) { state.withLock { $0.now = max($0.now, time) } }

    func sleep(seconds: Double, stop: StopRequest) async -> String? {
        if let signal = stop.requested { return signal }
        state.withLock {
            $0.now += seconds
            $0.sleeps.append(seconds)
        }
        return stop.requested
    }
}

/// Reads that end as scripted, one step per read, moving the fake clock as a real read would
/// have taken time.
final class ScriptedReads: WindowReads {
    struct Step: Sendable {
        var end: StreamRead.End
        var evidence: ReadEvidence
        var advanceTo: Double? = nil
        var advanceBy: Double = 0
        /// A stop the signal handler sets during this read.
        var stop: String? = nil
    }

    struct Call: Equatable {
        var from: Int64
        var goal: String
        /// When the read began (fake time).
        var at: Double
    }

    let clock: FakeClock
    let stop = StopRequest()
    private let state: Mutex<(steps: [Step], log: [Call], current: ReadEvidence, held: Set<Int64>)>

    init(clock: FakeClock, _ steps: [Step]) {
        self.clock = clock
        state = Mutex((steps, [], ReadEvidence(), []))
    }

    var log: [Call] { state.withLock { $0.log } }
    var remaining: Int { state.withLock { $0.steps.count } }

    func read(from start: Int64, goal: StreamRead.Goal) async -> StreamRead.End {
        let name = switch goal {
        case .live: "live"
        case .settle: "settle"
        case .probe: "probe"
        }
        let now = clock.now
        let step: Step? = state.withLock { state in
            state.log.append(Call(from: start, goal: name, at: now))
            guard !state.steps.isEmpty else { return nil }
            let step = state.steps.removeFirst()
            state.current = step.evidence
            state.held.formUnion(step.evidence.addedBuckets)
            return step
        }
        guard let step else {
            Issue.record("read \(name) from \(start) past the script")
            return .stopped("script ended")
        }
        clock.advance(to: step.advanceTo ?? (clock.now + step.advanceBy))
        if let signal = step.stop { stop.request(signal) }
        return step.end
    }

    var progress: ReadEvidence { state.withLock { $0.current } }
    var restart: RestartEvidence? { nil }
    var heldBuckets: Set<Int64> { state.withLock { $0.held } }
}
