import Foundation
import Synchronization
import TrailFormat

/// The receive path: parses, filters and deduplicates each item, then hands it to the
/// bucket sink, which only buffers in memory. Never waits on disk (Goldmane drops streams
/// that read slowly, without telling anyone).
final class StreamReceiver: Sendable {
    private struct State {
        var dedup = BucketDeduplicator()
        var latestBucket: Int64? = nil
        var maxId: Int64 = 0
        var done = false
        var stats: [String: Int64] = [
            "items_received": 0, "duplicates_dropped": 0, "items_outside_window": 0, "malformed_items": 0,
            "reconnects": 0, "goldmane_restarts": 0,
        ]
        var restartSuspected = false
    }

    private let state = Mutex(State())
    private let window: CaptureWindow
    private let sink: BucketSink
    private let log: @Sendable (String) -> Void

    init(window: CaptureWindow, sink: BucketSink, log: @escaping @Sendable (String) -> Void) {
        self.window = window
        self.sink = sink
        self.log = log
    }

    /// Seconds of silence after the deadline that end a window.
    static let quietSeconds: Double = 2
    /// The same for a window long past, which a replay delivers in one go.
    static let quietSecondsAfterReplay: Double = 10
    private let lastItem = Mutex<Double>(0)
    /// A new stream starts: silence is counted from now.
    func markAttempt() { lastItem.withLock { $0 = Date().timeIntervalSince1970 } }

    /// When the last item arrived, or the current stream started (Unix time, fractional).
    var lastItemAt: Double { lastItem.withLock { $0 } }

    var itemsReceived: Int64 { state.withLock { $0.stats["items_received"] ?? 0 } }
    var isDone: Bool { state.withLock { $0.done } }
    var stats: [String: Int64] { state.withLock { $0.stats } }

    /// Where a new stream should replay from: the bucket being received (it may be partial;
    /// its copies are dropped as duplicates), or the window's start.
    var resumePoint: Int64 { state.withLock { $0.latestBucket ?? window.captureFrom } }

    /// Handles one item; false when the window is complete (a later bucket has arrived).
    func receive(_ bytes: [UInt8]) -> Bool {
        lastItem.withLock { $0 = Date().timeIntervalSince1970 }
        let parsed = bytes.withUnsafeBytes { raw -> (FlowRecordView, [UInt8])? in
            guard let view = FlowRecordView(record: raw), view.hasKey else { return nil }
            return (view, Array(raw[view.keyRange]))
        }
        return state.withLock { state in
            state.stats["items_received", default: 0] += 1
            guard let (view, key) = parsed, view.endTime > view.startTime else {
                state.stats["malformed_items", default: 0] += 1
                return true
            }
            if view.id < state.maxId / 2 && state.maxId > 100 && !state.restartSuspected {
                state.restartSuspected = true
                state.stats["goldmane_restarts", default: 0] += 1
                log("Goldmane restarted (flow ids went back from \(state.maxId) to \(view.id)): its history before the restart is gone")
            }
            state.maxId = max(state.maxId, view.id)
            if view.startTime >= window.end {
                state.done = true  // buckets are streamed in order: the window is complete
                return false
            }
            guard view.startTime >= window.captureFrom else {
                state.stats["items_outside_window", default: 0] += 1
                return true
            }
            if let latest = state.latestBucket, view.startTime < latest {
                // An older bucket after a newer one: only a duplicate can do that.
                state.stats["duplicates_dropped", default: 0] += 1
                return true
            }
            guard state.dedup.admit(key: key, bucket: view.startTime) else {
                state.stats["duplicates_dropped", default: 0] += 1
                return true
            }
            if let latest = state.latestBucket, view.startTime > latest {
                state.dedup.forget(before: view.startTime)
            }
            state.latestBucket = max(state.latestBucket ?? view.startTime, view.startTime)
            sink.add(bytes, start: view.startTime, end: view.endTime)
            return true
        }
    }

    func noteReconnect() {
        state.withLock { $0.stats["reconnects", default: 0] += 1 }
    }
}
