import Foundation
import Synchronization
import TrailFormat

/// Everything one capture window has received, from any number of streams, in any order:
/// each item is kept once by content, (FlowKey bytes, bucket start), whatever the arrival
/// order, the stream, or how many copies arrive (design §3). Item times are data: an item
/// outside the window, unaligned, or absurd is counted by reason and ignored; it never ends,
/// moves or closes anything.
final class WindowCollector: Sendable {
    struct Bucket {
        var keys: Set<[UInt8]> = []
        var records: [(bytes: [UInt8], end: Int64)] = []
    }

    struct State {
        var buckets: [Int64: Bucket] = [:]
        var bufferedBytes = 0
        /// Buckets that lost an item to the memory bound (`--max-buffer-mib`).
        var lossyBuckets: Set<Int64> = []
        var stats: [String: Int64] = [:]
        /// Items added (not copies) since the counter was last taken: a read that adds none
        /// confirms what the earlier ones delivered.
        var addedSinceMark = 0
        /// Items (of any kind) received since the read began.
        var receivedSinceMark = 0
        /// Whether the current read received an item of a bucket its server had already
        /// streamed when the read began (a replayed item, not a live one).
        var replayedSinceMark = false
        /// The newest bucket already streamed when the current read began.
        var readNewest: Int64 = .max
        /// When the latest item arrived (Unix seconds, fractional).
        var lastItemAt: Double = 0
        /// The worst receive lag seen on live items, in seconds.
        var maxLag: Double = 0
        var lagReported = false
    }

    let window: CaptureWindow
    let maxBufferedBytes: Int
    private let state = Mutex(State())
    private let log: @Sendable (String) -> Void

    /// A live item arriving later than this past its bucket's rollover is logged: Goldmane
    /// drops a whole bucket for a stream whose queue stays full for 1 s, and says nothing.
    static let lagWarningSeconds: Double = 5

    init(window: CaptureWindow, maxBufferedBytes: Int, log: @escaping @Sendable (String) -> Void) {
        self.window = window
        self.maxBufferedBytes = maxBufferedBytes
        self.log = log
    }

    /// A new read begins at `now`: counts what it adds, and whether it replays anything.
    func markRead(now: Double) {
        state.withLock {
            $0.addedSinceMark = 0
            $0.receivedSinceMark = 0
            $0.replayedSinceMark = false
            $0.readNewest = BucketClock.bucketStart(containing: Int64(now)) - 2 * BucketClock.bucketSeconds
            $0.lastItemAt = now
        }
    }

    /// What the current read has done so far.
    var readProgress: (added: Int, received: Int, replayed: Bool, lastItemAt: Double) {
        state.withLock { ($0.addedSinceMark, $0.receivedSinceMark, $0.replayedSinceMark, $0.lastItemAt) }
    }

    /// Handles one item as received, at time `now`.
    func receive(_ bytes: [UInt8], now: Double) {
        let parsed = bytes.withUnsafeBytes { raw -> (FlowRecordView, [UInt8])? in
            guard let view = FlowRecordView(record: raw), view.hasKey,
                  FlowKeyView(raw, range: view.keyRange) != nil else { return nil }
            return (view, Array(raw[view.keyRange]))
        }
        let lagWarning: String? = state.withLock { state in
            state.stats["items_received", default: 0] += 1
            state.receivedSinceMark += 1
            state.lastItemAt = now
            guard let (view, key) = parsed else {
                state.stats["malformed_items", default: 0] += 1
                return nil
            }
            let start = view.startTime
            if start < state.readNewest { state.replayedSinceMark = true }
            if let reason = outsideReason(view) {
                state.stats["items_outside_window", default: 0] += 1
                state.stats[reason, default: 0] += 1
                return nil
            }
            var warning: String? = nil
            let isCopy = state.buckets[start]?.keys.contains(key) == true
            if start > state.readNewest && !isCopy {
                // A live item (its bucket rolled over after the read began; the newest bucket
                // at that moment may be a replayed copy): how long after its rollover it came.
                let lag = now - Double(BucketClock.streamedAt(bucketStart: start))
                state.maxLag = max(state.maxLag, lag)
                if lag > Self.lagWarningSeconds && !state.lagReported {
                    state.lagReported = true
                    warning = "receive lag: an item of bucket \(UTCTime.rfc3339(start)) arrived \(Int(lag)) s after its rollover; past 1 s of a full queue Goldmane drops whole buckets without a signal (the closing re-read recovers what it still holds)"
                }
            }
            guard !isCopy else {
                state.stats["duplicates_dropped", default: 0] += 1
                return warning
            }
            guard state.bufferedBytes + bytes.count <= maxBufferedBytes else {
                state.stats["items_dropped_buffer_full", default: 0] += 1
                state.lossyBuckets.insert(start)
                return warning
            }
            state.bufferedBytes += bytes.count + key.count
            state.buckets[start, default: Bucket()].keys.insert(key)
            state.buckets[start, default: Bucket()].records.append((bytes, view.endTime))
            state.addedSinceMark += 1
            return warning
        }
        if let lagWarning { log(lagWarning) }
    }

    /// Why an item is not part of this window (a stats key), or nil when it is.
    private func outsideReason(_ view: FlowRecordView) -> String? {
        let start = view.startTime
        if start < window.start { return "items_before_window" }
        if start >= window.end { return "items_after_window" }
        if start % BucketClock.bucketSeconds != 0 { return "items_unaligned" }
        if BucketTime.check(start: start, end: view.endTime, windowEnd: window.end) != nil { return "items_bad_time" }
        return nil
    }

    func count(_ name: String, _ value: Int64 = 1) {
        state.withLock { $0.stats[name, default: 0] += value }
    }

    var stats: [String: Int64] { state.withLock { $0.stats } }
    var maxLag: Double { state.withLock { $0.maxLag } }
    var lossyBuckets: Set<Int64> { state.withLock { $0.lossyBuckets } }
    var heldBuckets: Set<Int64> { state.withLock { Set($0.buckets.keys) } }

    /// The records to write, in bucket order (within a bucket, in arrival order), leaving out
    /// the buckets in `discard` (their items are counted as discarded).
    func records(discarding discard: (Int64) -> Bool) -> [(bytes: [UInt8], start: Int64, end: Int64)] {
        state.withLock { state in
            var out: [(bytes: [UInt8], start: Int64, end: Int64)] = []
            for start in state.buckets.keys.sorted() {
                let records = state.buckets[start]!.records
                if discard(start) {
                    state.stats["items_discarded_in_gaps", default: 0] += Int64(records.count)
                    continue
                }
                out += records.map { ($0.bytes, start, $0.end) }
            }
            return out
        }
    }
}
