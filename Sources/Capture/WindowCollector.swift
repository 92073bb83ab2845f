import Foundation
import Synchronization
import TrailFormat

/// Everything one capture window has received, from any number of streams, in any order:
/// each item is kept once by content, (FlowKey bytes, bucket start), whatever the arrival
/// order, the stream, or how many copies arrive (design §3). Item times are data: an item
/// outside the window, unaligned, or absurd is counted by reason and kept out of the window. A
/// plausible item (aligned, in a bucket a real Goldmane could have sent by now) is evidence of
/// how far a replay went and, through its FlowKey's id, of a restart (`ReadEvidence`).
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
        /// What the current read has shown.
        var read = ReadEvidence()
        /// The newest bucket already streamed when the current read began.
        var readNewest: Int64 = .max
        /// The earliest plausible bucket received in the current read (for `ReadEvidence.reached`).
        var readMinStart: Int64? = nil
        /// The FlowKey ids known from the archive's last hour and this capture: a key that
        /// comes back with another id within the ring's hour proves a Goldmane restart.
        var knownIds: [[UInt8]: KnownId] = [:]
        var restart: RestartEvidence? = nil
        /// Items received (a field, not a `stats` entry: it is counted for every item).
        var itemsReceived: Int64 = 0
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

    /// A new read begins at `now`: what it shows is counted afresh.
    func markRead(now: Double) {
        state.withLock {
            $0.read = ReadEvidence(startedAt: now, lastItemAt: now)
            $0.readNewest = BucketClock.bucketStart(containing: Int64(now)) - 2 * BucketClock.bucketSeconds
            $0.readMinStart = nil
        }
    }

    /// What the current read has shown so far.
    var readProgress: ReadEvidence { state.withLock { $0.read } }

    /// How far the current read is proven to have gone (see `ReadEvidence.reached`).
    var readReached: Int64? { state.withLock { $0.read.reached } }
    var readReplayed: Bool { state.withLock { $0.read.replayed } }

    /// Every FlowKey id seen (the archive's and this window's), for the next window.
    var knownIds: [[UInt8]: KnownId] { state.withLock { $0.knownIds } }

    /// The first proof that Goldmane restarted, if one was seen.
    var restart: RestartEvidence? { state.withLock { $0.restart } }

    /// Ids the archive holds for keys of its last hour (see `RecentFlowIds`).
    func seedKnownIds(_ ids: [[UInt8]: KnownId]) {
        state.withLock { $0.knownIds.merge(ids) { current, archived in current.start >= archived.start ? current : archived } }
    }

    /// Handles one item as received, at time `now`.
    func receive(_ bytes: [UInt8], now: Double) {
        let parsed = bytes.withUnsafeBytes { raw -> (FlowRecordView, [UInt8])? in
            guard let view = FlowRecordView(record: raw), view.hasKey,
                  FlowKeyView(raw, range: view.keyRange) != nil else { return nil }
            return (view, Array(raw[view.keyRange]))
        }
        let lagWarning: String? = state.withLock { state in
            state.itemsReceived += 1
            state.read.received += 1
            state.read.lastItemAt = now
            guard let (view, key) = parsed else {
                state.stats["malformed_items", default: 0] += 1
                return nil
            }
            let start = view.startTime
            if start < state.readNewest { state.read.replayed = true }
            let plausible = Self.isPlausible(start, now: now)
            if plausible { Self.note(start, in: &state) }
            if let reason = outsideReason(view) {
                state.stats["items_outside_window", default: 0] += 1
                state.stats[reason, default: 0] += 1
                if plausible { Self.checkId(view.id, of: key, at: start, in: &state) }
                return nil
            }
            var warning: String? = nil
            if state.read.lastReceivedBucket != start {
                state.read.receivedBuckets.insert(start)
                state.read.lastReceivedBucket = start
            }
            let isCopy = state.buckets[start]?.keys.contains(key) == true
            // A copy's (key, bucket) was checked when it was added: the same process sent it.
            if plausible && !isCopy { Self.checkId(view.id, of: key, at: start, in: &state) }
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
            state.read.added += 1
            state.read.addedBuckets.insert(start)
            return warning
        }
        if let lagWarning { log(lagWarning) }
    }

    /// An item whose time a real Goldmane could send at `now`: aligned, in a bucket already
    /// streamed (one bucket of clock skew allowed), and not older than its ring. Only such items
    /// are evidence of how far a replay went or of a restart.
    static func isPlausible(_ start: Int64, now: Double) -> Bool {
        let current = BucketClock.bucketStart(containing: Int64(now))
        return start % BucketClock.bucketSeconds == 0 && start <= current - BucketClock.bucketSeconds
            && start >= current - BucketClock.ringSeconds - 20 * BucketClock.bucketSeconds
    }

    /// Goldmane replays buckets in order, then streams live, so an item of bucket b shows the
    /// read was offered every bucket before b; but only once the replay is seen to have run: the
    /// newest bucket's live copy can come before the replay (goldmane-api.md §3.5 item 11), and
    /// a start older than the ring replays nothing and goes live. An item counts when its bucket
    /// had been streamed before the read began (it is replayed), or when the read has had a
    /// replayed item and an item of an earlier bucket came before it.
    private static func note(_ start: Int64, in state: inout State) {
        if start < state.readNewest || (state.read.replayed && state.readMinStart.map { $0 < start } ?? false) {
            state.read.reached = max(state.read.reached ?? start, start)
        }
        state.readMinStart = min(state.readMinStart ?? start, start)
        state.read.earliest = min(state.read.earliest ?? start, start)
    }

    /// A FlowKey keeps its id while it has data in Goldmane's ring (an hour); ids restart with
    /// the process. A key seen less than an hour apart with two ids proves a restart between.
    private static func checkId(_ id: Int64, of key: [UInt8], at start: Int64, in state: inout State) {
        guard let index = state.knownIds.index(forKey: key) else {
            state.knownIds[key] = KnownId(id: id, start: start)
            return
        }
        let known = state.knownIds.values[index]
        if known.id == id {
            if start > known.start { state.knownIds.values[index].start = start }
            return
        }
        if known.id != id, abs(start - known.start) < CaptureWindow.replayableSeconds, state.restart == nil {
            state.restart = RestartEvidence(knownBucket: known.start, knownId: known.id, bucket: start, id: id)
            // The old process's ids prove nothing more: keys seen before the restart come back
            // with new ids, and must not count it again.
            state.knownIds = state.knownIds.filter { $0.value.start >= start }
        }
        if start >= known.start { state.knownIds[key] = KnownId(id: id, start: start) }
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

    var stats: [String: Int64] {
        state.withLock { state in state.stats.merging(["items_received": state.itemsReceived]) { $1 } }
    }
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
