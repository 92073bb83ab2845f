import Foundation
import SampleGenerator
import Testing
import TrailFormat
import TrailTestSupport
@testable import Capture

/// The receive path's promise, property-style: whatever the interleaving of replayed and live
/// copies (duplicates, buckets in any order, the newest first, hostile times mixed in), the
/// window holds the same items, each once, and counts the rest by reason.
@Suite struct WindowCollectorTests {
    let start: Int64 = 1_795_744_800

    /// Items of the window [start, start + 300): 20 buckets, 1 to 6 keys each.
    func windowItems() -> [(bytes: [UInt8], start: Int64)] {
        (0..<20).flatMap { bucket in
            (0..<(1 + bucket % 6)).map { key in
                let fixture = FlowFixture {
                    $0.start = start + Int64(bucket) * 15
                    $0.destPort = Int64(8000 + key)
                    $0.packets = Int64(1 + bucket * key)
                    $0.id = Int64((bucket * 7 + key * 13) % 17)  // map-order ids: never monotonic
                }
                return (fixture.bytesOnWire, fixture.start)
            }
        }
    }

    func hostile() -> [(bytes: [UInt8], reason: String)] {
        let times: [(Int64, String)] = [(253_402_300_785, "items_after_window"), (0, "items_before_window"), (-15, "items_before_window"),
                                        (start + 7, "items_unaligned"), (start + 300, "items_after_window"), (start - 15, "items_before_window")]
        return times.map { time, reason in (FlowFixture { $0.start = time }.bytesOnWire, reason) }
    }

    func collect(_ deliveries: [[UInt8]]) -> WindowCollector {
        let window = CaptureWindow(start: start, end: start + 300, captureFrom: start, gaps: [])
        let collector = WindowCollector(window: window, maxBufferedBytes: 1 << 30, log: { _ in })
        collector.markRead(now: Double(start + 3600))
        for bytes in deliveries { collector.receive(bytes, now: Double(start + 3600)) }
        return collector
    }

    func canonical(_ collector: WindowCollector) -> [[UInt8]] {
        collector.records { _ in false }.map(\.bytes).sorted { $0.lexicographicallyPrecedes($1) }
    }

    @Test func everyInterleavingHoldsTheSameItemsOnce() {
        let items = windowItems()
        let expected = items.map(\.bytes).sorted { $0.lexicographicallyPrecedes($1) }
        let hostile = hostile()
        var random = SplitMix64(seed: 10)
        for round in 0..<200 {
            // A live copy of some newest buckets first, then a replay (maybe cut short and
            // redone), copies of random items, hostile items anywhere, all shuffled in part.
            var deliveries: [[UInt8]] = []
            let newest = items.filter { $0.start >= start + 255 }.map(\.bytes)
            if round % 2 == 0 { deliveries += newest }
            let cut = Int(random.next() % UInt64(items.count))
            deliveries += items.prefix(cut).map(\.bytes)
            deliveries += items.map(\.bytes)
            deliveries += (0..<Int(random.next() % 30)).map { _ in items[Int(random.next() % UInt64(items.count))].bytes }
            deliveries += hostile.map(\.bytes)
            let swaps = Int(random.next() % 200)
            for _ in 0..<swaps {
                let a = Int(random.next() % UInt64(deliveries.count)), b = Int(random.next() % UInt64(deliveries.count))
                deliveries.swapAt(a, b)
            }
            let collector = collect(deliveries)
            #expect(canonical(collector) == expected, "round \(round)")
            let stats = collector.stats
            #expect(stats["duplicates_dropped"] == Int64(deliveries.count - items.count - hostile.count), "round \(round)")
            for reason in Set(hostile.map(\.reason)) {
                #expect(stats[reason] == Int64(hostile.filter { $0.reason == reason }.count), "round \(round): \(reason)")
            }
            #expect(stats["items_outside_window"] == Int64(hostile.count))
            #expect(stats["goldmane_restarts"] == nil)
        }
    }

    @Test func recordsComeOutInBucketOrderAndGapBucketsAreLeftOut() {
        let items = windowItems()
        let collector = collect(items.reversed().map(\.bytes))
        let gapBucket = start + 45
        let written = collector.records { $0 == gapBucket }
        #expect(written.map(\.start) == written.map(\.start).sorted())
        #expect(!written.contains { $0.start == gapBucket })
        #expect(written.count == items.count - items.filter { $0.start == gapBucket }.count)
        #expect(collector.stats["items_discarded_in_gaps"] == Int64(items.filter { $0.start == gapBucket }.count))
    }

    @Test func theMemoryBoundDropsAndRecordsTheBucket() {
        let items = windowItems()
        let window = CaptureWindow(start: start, end: start + 300, captureFrom: start, gaps: [])
        let collector = WindowCollector(window: window, maxBufferedBytes: 2_000, log: { _ in })
        collector.markRead(now: Double(start + 3600))
        for item in items { collector.receive(item.bytes, now: Double(start + 3600)) }
        #expect(collector.stats["items_dropped_buffer_full", default: 0] > 0)
        #expect(!collector.lossyBuckets.isEmpty)
    }

    func item(_ bucket: Int64, port: Int64 = 8080, id: Int64 = 1) -> [UInt8] {
        FlowFixture {
            $0.start = start + bucket * 15
            $0.destPort = port
            $0.id = id
        }.bytesOnWire
    }

    /// A read at `now` (Unix seconds) receiving `items` in order; returns the collector.
    func read(_ items: [[UInt8]], now: Int64, into collector: WindowCollector? = nil) -> WindowCollector {
        let window = CaptureWindow(start: start, end: start + 300, captureFrom: start, gaps: [])
        let collector = collector ?? WindowCollector(window: window, maxBufferedBytes: 1 << 30, log: { _ in })
        collector.markRead(now: Double(now))
        for bytes in items { collector.receive(bytes, now: Double(now)) }
        return collector
    }

    @Test func aReplayedItemShowsHowFarTheReplayWent() {
        // Long after the window: every bucket was streamed before the read began.
        let collector = read([item(2), item(5), item(3), item(9)], now: start + 3000)
        #expect(collector.readProgress.reached == start + 9 * 15)
        #expect(collector.readProgress.earliest == start + 2 * 15)
        #expect(collector.readProgress.addedBuckets == [start + 30, start + 75, start + 45, start + 135])
    }

    @Test func liveCopiesAloneProveNoReplay() {
        // The read begins when bucket 20 (just after the window) is the newest streamed: the
        // newest bucket's live copy, then live buckets, and no replay (a start older than the
        // ring): nothing proves the replay passed anything.
        let newest = start + 20 * 15
        let collector = read([], now: newest + 30)
        for bucket: Int64 in [21, 21, 22, 23] { collector.receive(item(bucket), now: Double(start + bucket * 15 + 31)) }
        #expect(collector.readProgress.reached == nil)
        #expect(!collector.readProgress.replayed)
        // A replayed item, then live ones after it: the replay ran, and the live items are after it.
        collector.receive(item(19), now: Double(start + 24 * 15 + 31))
        collector.receive(item(25), now: Double(start + 25 * 15 + 31))
        #expect(collector.readProgress.reached == start + 25 * 15)
    }

    /// The FlowKey bytes of `item(_, port:)`, as the collector keys them.
    func keyBytes(port: Int64) -> [UInt8] {
        let bytes = item(0, port: port)
        return bytes.withUnsafeBytes { raw in
            let view = FlowRecordView(record: raw)!
            return Array(raw[view.keyRange])
        }
    }

    @Test func aFlowKeyWithAnotherIdLessThanAnHourLaterProvesARestart() {
        let collector = read([], now: start + 3000)
        collector.seedKnownIds([keyBytes(port: 8080): KnownId(id: 7, start: start - 600)])
        collector.receive(item(3, port: 8081, id: 1), now: Double(start + 3000))  // a new key: nothing to compare
        collector.receive(item(3, port: 8080, id: 7), now: Double(start + 3000))  // the same id: no restart
        #expect(collector.restart == nil)
        collector.receive(item(4, port: 8080, id: 2), now: Double(start + 3000))
        #expect(collector.restart?.knownId == 7)
        #expect(collector.restart?.id == 2)
        #expect(collector.restart?.bucket == start + 60)
    }

    @Test func aFlowKeyBackWithAnotherIdAfterMoreThanAnHourIsNoRestart() {
        // Goldmane forgets a key with no data in its ring for an hour: a new id then is normal.
        let collector = read([], now: start + 3000)
        collector.seedKnownIds([keyBytes(port: 8080): KnownId(id: 7, start: start - 3500)])
        collector.receive(item(4, port: 8080, id: 2), now: Double(start + 3000))
        #expect(collector.restart == nil)
        #expect(collector.knownIds[keyBytes(port: 8080)] == KnownId(id: 2, start: start + 60))
        // The same key again with a third id within the hour: that is a restart.
        collector.receive(item(6, port: 8080, id: 3), now: Double(start + 3000))
        #expect(collector.restart?.knownId == 2)
    }
}
