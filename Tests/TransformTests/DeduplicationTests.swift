import Testing
import TrailFormat
import TrailTestSupport
@testable import Transform

/// Same FlowKey and bucket start = the same item, folded once, wherever the copies are.
@Suite struct DeduplicationTests {
    let start: Int64 = 1_795_744_800

    func flows(_ buckets: Range<Int>) -> [FlowFixture] {
        buckets.flatMap { bucket in
            [FlowFixture { $0.start = start + Int64(bucket) * 15 },
             FlowFixture { $0.start = start + Int64(bucket) * 15; $0.reporter = .dst }]
        }
    }

    @Test func aCopyInTheSameSegmentIsFoldedOnce() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let once = try transform([try directory.segment("once.seg", flows(0..<4))])
        let twice = try transform([try directory.segment("twice.seg", flows(0..<4) + flows(1..<3))])
        #expect(twice.header.items.read == 12)
        #expect(twice.header.items.duplicates == 4)
        #expect(twice.edges == once.edges)
        #expect(twice.wide == once.wide)
    }

    /// Two clusters with the same namespaces and workloads send byte-identical FlowKeys: they
    /// are two flows, not copies; copies within each cluster are still folded once.
    @Test func identicalItemsOfTwoClustersAreTwoFlowsNotCopies() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let a = try directory.segment("a.seg", flows(0..<4), cluster: "a")
        let b = try directory.segment("b.seg", flows(0..<4), cluster: "b")
        let copy = try directory.segment("a-retry.seg", flows(1..<3), cluster: "a")
        let both = try transform([b, copy, a])
        #expect(both.header.items.read == 20)
        #expect(both.header.items.duplicates == 4)
        #expect(both.header.items.folded == 16)
        let one = try transform([a])
        // One row per cluster, each equal to that cluster's own.
        #expect(both.edges.map(\.cluster) == ["a", "b"])
        #expect(both.edges.map(\.flowCount) == one.edges.flatMap { [$0.flowCount, $0.flowCount] })
    }

    @Test func overlappingWindowsAreDeduplicatedInTheOverlap() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let whole = try transform([try directory.segment("whole.seg", flows(0..<10))])
        // Two captures that overlap on buckets 4..<7 (a retried window, say).
        let first = try directory.segment("first.seg", flows(0..<7))
        let second = try directory.segment("second.seg", flows(4..<10))
        let overlapped = try transform([second, first])
        #expect(overlapped.header.items.read == 26)
        #expect(overlapped.header.items.duplicates == 6)
        let items = overlapped.header.items
        #expect(items.read == items.duplicates + items.conflictingDuplicates + items.folded + overlapped.header.dropped.all.values.reduce(0, +))
        #expect(overlapped.edges == whole.edges)
        #expect(overlapped.wide == whole.wide)
        #expect(try EdgeBatch.rowLines(edges: overlapped.edges, wide: overlapped.wide, policy: overlapped.policy) == EdgeBatch.rowLines(edges: whole.edges, wide: whole.wide, policy: whole.policy))
    }

    @Test func conflictingCopiesMergeTheSameWhateverTheOrder() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        // The live copy of a bucket, and a replayed copy that saw late data from a node.
        let live = FlowFixture { $0.start = start; $0.packets = 10; $0.bytes = 1000 }
        let replayed = FlowFixture { $0.start = start; $0.packets = 14; $0.bytes = 900 }
        let a = try directory.segment("a.seg", [live])
        let b = try directory.segment("b.seg", [replayed])
        let ab = try transform([a, b])
        let ba = try transform([b, a])
        #expect(ab.header.items.conflictingDuplicates == 1)
        #expect(ab.edges == ba.edges && ab.wide == ba.wide)
        #expect(ab.edges[0].flowCount == 1)
        #expect(ab.edges[0].packetsOut == 14 && ab.edges[0].bytesOut == 1000)
    }

    @Test func theSameFileTwiceIsOneInput() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = try directory.segment("a.seg", flows(0..<3))
        let copy = directory.file("copy.seg")
        try FileManager.default.copyItem(atPath: path, toPath: copy)
        let output = try TransformJob(inputs: [path, copy]).run()
        #expect(output.batch.header.inputs.count == 1)
        #expect(output.batch.header.items.read == 6)
        #expect(output.warnings.contains { $0.contains("same content") })
    }
}

import Foundation
