import Foundation
import Synchronization

/// One `Flows.Stream` call, its items fed to the collector, until one of the ways a read can
/// end. Goldmane never signals the end of a replay, sends nothing for an empty bucket and
/// never tells a slow reader what it dropped, so a read ends by the clock: quiet for a while
/// (the replay is over), no item for longer than a bucket period (a stall, or a silent
/// cluster), a deadline, or a stop; or by the server (an error, or status OK).
struct StreamRead {
    enum End: Equatable {
        /// No item for `quiet` seconds: a replay is over (it arrives in one burst).
        case quiet
        /// No item for `stallAfter` seconds while buckets were due.
        case stalled
        /// The deadline came.
        case deadline
        /// The probe saw what it wanted (a replayed item).
        case probed
        /// A closing read got an item of the second bucket after the window: the replay passed
        /// the window's end, and the whole first bucket after it was received.
        case passed
        /// The server ended the stream with status OK.
        case endedByServer
        case failed(CaptureError)
        case stopped(String)
    }

    enum Goal {
        /// A closing re-read: until an item proves the replay passed `passing` (a bucket start);
        /// or until nothing arrived for `firstItemSeconds` (nothing replayed), or no item for
        /// `waitForPass` seconds after the last one (time for the next live bucket); or `until`.
        case settle(passing: Int64, waitForPass: Double, until: Double)
        /// Read live until the deadline; no item for `stallAfter` seconds is a stall.
        case live(until: Double, stallAfter: Double)
        /// Read until a replayed item arrives (true) or quiet (false).
        case probe(quiet: Double)
    }

    /// How long a read waits for its first item before it counts as quiet.
    static let firstItemSeconds: Double = 5
    /// Quiet that ends a closing read which got past its first bucket (a replay comes in one burst).
    static let quietSeconds: Double = 2

    let connection: GoldmaneConnection
    let collector: WindowCollector
    let stop: StopRequest
    /// Reads in a row that ended closed after the TLS handshake with no item, and when the first did.
    private let closures = ClosureCount()

    private final class ClosureCount: Sendable {
        let state = Mutex<(count: Int, since: Double?)>((0, nil))
    }

    init(connection: GoldmaneConnection, collector: WindowCollector, stop: StopRequest) {
        self.connection = connection
        self.collector = collector
        self.stop = stop
    }

    func run(from startTimeGte: Int64, goal: Goal) async -> End {
        let end = await read(from: startTimeGte, goal: goal)
        guard case .failed(let failure) = end, failure.code == .closedAfterHandshake, collector.readProgress.received == 0 else {
            closures.state.withLock { $0 = (0, nil) }
            return end
        }
        let now = Date().timeIntervalSince1970
        let (attempts, since) = closures.state.withLock { state in
            state.count += 1
            state.since = state.since ?? now
            return (state.count, state.since!)
        }
        guard StreamFailure.persists(attempts: attempts, seconds: now - since) else { return end }
        return .failed(StreamFailure.clientCertificateRejected(failure, endpoint: connection.endpoint, attempts: attempts))
    }

    private func read(from startTimeGte: Int64, goal: Goal) async -> End {
        collector.markRead(now: Date().timeIntervalSince1970)
        let collector = self.collector
        let connection = self.connection
        let probing: Bool
        if case .probe = goal { probing = true } else { probing = false }
        let passing: Int64?
        if case .settle(let end, _, _) = goal { passing = end } else { passing = nil }
        let endpoint = connection.endpoint
        let classify = { @Sendable (error: (any Error)?) -> End in
            if let error { return .failed(StreamFailure.describe(error, endpoint: endpoint)) }
            let progress = collector.readProgress
            if probing && progress.replayed { return .probed }
            if let passing, let reached = progress.reached, reached >= passing { return .passed }
            return .endedByServer
        }
        // How the call ended, as soon as it does: closing the connection afterwards takes time
        // that must not count as a quiet stream.
        let (ends, ended) = AsyncStream.makeStream(of: End.self, bufferingPolicy: .bufferingNewest(1))
        return await withTaskGroup(of: End?.self) { group in
            group.addTask {
                do {
                    try await connection.stream(startTimeGte: startTimeGte, onItem: { bytes in
                        collector.receive(bytes, now: Date().timeIntervalSince1970)
                        // Past the window's end by a whole bucket: that bucket's burst was all
                        // received, so its FlowKeys' ids were all checked (a restart shows there).
                        if let passing, let reached = collector.readReached, reached >= passing + BucketClock.bucketSeconds {
                            ended.yield(.passed)
                            return false
                        }
                        return !(probing && collector.readReplayed)
                    }, onEnd: { error in ended.yield(classify(error)) })
                    ended.yield(classify(nil))
                } catch {
                    ended.yield(classify(error))
                }
                ended.finish()
                return nil
            }
            group.addTask {
                for await end in ends { return end }
                return nil
            }
            group.addTask {
                // A timer, not a poll: sleeps until the next moment an end condition can hold.
                while !Task.isCancelled {
                    let now = Date().timeIntervalSince1970
                    let last = collector.readProgress.lastItemAt
                    let wakeAt: Double
                    switch goal {
                    case .settle(_, let waitForPass, let until):
                        if now >= until { return .deadline }
                        let progress = collector.readProgress
                        // Goldmane sends a replay at once: none by now means none is coming.
                        if !progress.replayed && now - progress.startedAt >= Self.firstItemSeconds { return .quiet }
                        let received = progress.received > 0
                        // A read that got past its first bucket ends at a short quiet (the next
                        // read starts further on); one that did not waits for the next live bucket.
                        let wait = !received ? Self.firstItemSeconds : (progress.reached ?? .min) > startTimeGte ? Self.quietSeconds : waitForPass
                        if now - last >= wait { return received ? .stalled : .quiet }
                        wakeAt = min(until, last + wait, progress.replayed ? .infinity : progress.startedAt + Self.firstItemSeconds)
                    case .probe(let quiet):
                        // Quiet counts from the first item; before it, connecting and the start
                        // of the backfill get `firstItemSeconds`.
                        let wait = collector.readProgress.received > 0 ? quiet : max(quiet, Self.firstItemSeconds)
                        if now - last >= wait { return .quiet }
                        wakeAt = last + wait
                    case .live(let until, let stallAfter):
                        if now >= until { return .deadline }
                        if now - last >= stallAfter { return .stalled }
                        wakeAt = min(until, last + stallAfter)
                    }
                    try? await Task.sleep(for: .seconds(max(0.01, wakeAt - now)))
                }
                return nil
            }
            group.addTask {
                let signal = await stop.wait()
                return Task.isCancelled ? nil : .stopped(signal)
            }
            var end: End? = nil
            while end == nil, let next = await group.next() { end = next }
            group.cancelAll()
            return end ?? .stopped("cancellation")
        }
    }
}
