import Foundation
import Synchronization
import TrailFormat

/// Holds items in memory and writes each bucket to the segment once it is complete (a later
/// bucket has arrived): frames end on bucket boundaries, so a crash loses whole buckets only,
/// which the next capture replays. Writing happens on a background thread, off the receive path.
final class BucketSink: Sendable {
    private struct State {
        var held: [(bytes: [UInt8], start: Int64, end: Int64)] = []
        var heldBucket: Int64? = nil
        var ready: [[(bytes: [UInt8], start: Int64, end: Int64)]] = []
        var writtenUpTo: Int64
        var itemsWritten = 0
        var itemsDiscarded = 0
        var failure: SegmentError? = nil
        var finishing = false
        /// Bytes held or waiting for the writer.
        var bufferedBytes = 0
        /// Buckets that lost items because the writer fell too far behind.
        var lossyBuckets: Set<Int64> = []
        var itemsDropped = 0
    }

    /// The most the receive path buffers for the writer (`--max-buffer-mib`, 256 MiB by
    /// default). Past it (the disk has stalled for minutes), items are dropped, counted, and
    /// their buckets recorded as gaps: memory stays bounded and the loss is explicit.
    static let defaultMaxBufferedBytes = 256 << 20
    private let maxBufferedBytes: Int

    private let state: Mutex<State>
    private let condition = NSCondition()
    private let writerBox: UncheckedBox<SegmentWriter>
    private let window: CaptureWindow
    private let stopped = Mutex(false)
    /// Flush a frame when this much is pending, or every few buckets.
    static let frameBytes = 1 << 20
    static let bucketsPerFrame = 4

    init(writer: SegmentWriter, window: CaptureWindow, maxBufferedBytes: Int = BucketSink.defaultMaxBufferedBytes) {
        self.maxBufferedBytes = maxBufferedBytes
        writerBox = UncheckedBox(writer)
        self.window = window
        state = Mutex(State(writtenUpTo: window.captureFrom))
        let thread = Thread { [self] in self.writeLoop() }
        thread.name = "segment-writer"
        thread.start()
    }

    var itemsWritten: Int { state.withLock { $0.itemsWritten } }
    var itemsDiscarded: Int { state.withLock { $0.itemsDiscarded } }
    var itemsDropped: Int { state.withLock { $0.itemsDropped } }
    var lossyBuckets: [Int64] { state.withLock { $0.lossyBuckets.sorted() } }

    /// Called by the receive path: never blocks on disk.
    func add(_ bytes: [UInt8], start: Int64, end: Int64) {
        let handOff = state.withLock { state -> Bool in
            guard state.bufferedBytes + bytes.count <= maxBufferedBytes else {
                state.itemsDropped += 1
                state.lossyBuckets.insert(start)
                return false
            }
            state.bufferedBytes += bytes.count
            if let bucket = state.heldBucket, start > bucket {
                state.ready.append(state.held)
                state.held = []
            }
            state.heldBucket = start
            state.held.append((bytes, start, end))
            return !state.ready.isEmpty
        }
        if handOff { condition.lock(); condition.signal(); condition.unlock() }
    }

    private func writeLoop() {
        var bucketsSinceFlush = 0
        while true {
            condition.lock()
            var batch: [[(bytes: [UInt8], start: Int64, end: Int64)]] = []
            var finishing = false
            while true {
                (batch, finishing) = state.withLock { state in
                    let ready = state.ready
                    state.ready = []
                    return (ready, state.finishing)
                }
                if !batch.isEmpty || finishing { break }
                _ = condition.wait(until: Date().addingTimeInterval(0.5))
            }
            condition.unlock()
            for bucket in batch { write(bucket, bucketsSinceFlush: &bucketsSinceFlush) }
            if finishing && state.withLock({ $0.ready.isEmpty }) { break }
        }
        stopped.withLock { $0 = true }
    }

    private func write(_ bucket: [(bytes: [UInt8], start: Int64, end: Int64)], bucketsSinceFlush: inout Int) {
        guard let first = bucket.first else { return }
        let writer = writerBox.value
        do {
            for item in bucket { try writer.append(record: item.bytes, startTime: item.start, endTime: item.end) }
            bucketsSinceFlush += 1
            if bucketsSinceFlush >= Self.bucketsPerFrame || writer.pendingBytes >= Self.frameBytes {
                try writer.flushFrame()
                bucketsSinceFlush = 0
            }
            let bytes = bucket.reduce(0) { $0 + $1.bytes.count }
            state.withLock {
                $0.bufferedBytes -= bytes
                $0.itemsWritten += bucket.count
                $0.writtenUpTo = max($0.writtenUpTo, first.start + BucketClock.bucketSeconds)
            }
        } catch {
            state.withLock { $0.failure = $0.failure ?? error }
        }
    }

    /// Writes what is complete and stops the writer. The last held bucket is complete when the
    /// window ran to its end, or when its rollover is past by `grace`; otherwise it is
    /// discarded (the next capture replays it). Returns the end of the complete data.
    func finish(complete: Bool, now: Int64, grace: Int64) throws(CaptureError) -> Int64 {
        let streamedUpTo = BucketClock.bucketStart(containing: now - 2 * BucketClock.bucketSeconds - grace) + BucketClock.bucketSeconds
        state.withLock { state in
            if let bucket = state.heldBucket, !state.held.isEmpty {
                if complete || bucket + BucketClock.bucketSeconds <= streamedUpTo {
                    state.ready.append(state.held)
                } else {
                    state.itemsDiscarded += state.held.count
                }
                state.held = []
            }
            state.finishing = true
        }
        condition.lock(); condition.signal(); condition.unlock()
        while !stopped.withLock({ $0 }) { Thread.sleep(forTimeInterval: 0.01) }
        if let failure = state.withLock({ $0.failure }) { throw CaptureError(.archive, failure.description) }
        let writtenUpTo = state.withLock { $0.writtenUpTo }
        return complete ? window.end : min(window.end, writtenUpTo)
    }
}

/// A reference for values touched by one thread at a time (the segment writer: only the
/// writer thread uses it until `finish` has joined it).
final class UncheckedBox<Value>: @unchecked Sendable {
    var value: Value
    init(_ value: Value) { self.value = value }
}
