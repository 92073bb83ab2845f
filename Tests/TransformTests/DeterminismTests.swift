import Foundation
import SampleGenerator
import Testing
import TrailFormat
import TrailTestSupport
@testable import Transform

/// The same items give the same bytes: whatever the order of the inputs, however the
/// capture windows split them.
@Suite struct DeterminismTests {
    static let samples = SegmentFixture.repositoryRoot + "/samples/archive"

    static func sampleSegments() throws -> [String] {
        let walker = FileManager.default.enumerator(atPath: samples)!
        return walker.compactMap { $0 as? String }.filter { $0.hasSuffix(".seg") }.sorted().map { samples + "/" + $0 }
    }

    @Test func shuffledInputsGiveIdenticalBytes() throws {
        let segments = try Self.sampleSegments()
        let inOrder = try transform(segments).encoded()
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2 {
            let shuffled = try transform(segments.shuffled(using: &generator)).encoded()
            #expect(shuffled == inOrder)
        }
        #expect(try transform(segments.reversed()).encoded() == inOrder)
        #expect(try transform([Self.samples]).encoded() == inOrder)
    }

    @Test func differentSplitsGiveIdenticalRows() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let start: Int64 = 1_795_744_800
        // Two hours in 15-minute windows, in 30-minute windows, and in one window: same items.
        let quarter = try SampleArchive(spec: .init(start: start, windows: 8, windowSeconds: 900, seed: 7, activity: 0.2)).write(to: directory.file("quarter"))
        let half = try SampleArchive(spec: .init(start: start, windows: 4, windowSeconds: 1800, seed: 7, activity: 0.2)).write(to: directory.file("half"))
        let whole = try SampleArchive(spec: .init(start: start, windows: 1, windowSeconds: 7200, seed: 7, activity: 0.2)).write(to: directory.file("whole"))
        #expect(quarter.items == half.items && half.items == whole.items)
        let batches = try [quarter, half, whole].map { try transform($0.segments) }
        #expect(batches[0].edges == batches[1].edges && batches[1].edges == batches[2].edges)
        #expect(batches[0].wide == batches[1].wide && batches[1].wide == batches[2].wide)
        let rows = try batches.map { try EdgeBatch.rowLines(edges: $0.edges, wide: $0.wide, policy: $0.policy) }
        #expect(rows[0] == rows[1] && rows[1] == rows[2])
        let hashes = try batches.map { try EdgeBatch.read(path: write($0, directory)).header.rowsSha256 }
        #expect(Set(hashes).count == 1)
        #expect(batches.map(\.header.inputs.count) == [8, 4, 1])
    }

    func write(_ batch: EdgeBatch, _ directory: TemporaryDirectory) throws -> String {
        let path = directory.file("batch-\(batch.header.inputs.count).jsonl")
        try batch.write(to: path)
        return path
    }

    /// samples/golden-batch.jsonl is what transform makes of samples/archive. Re-record on
    /// purpose: `make golden-batch` (or GOLDEN_RECORD=1, which fails the run).
    @Test func theGoldenBatch() throws {
        let goldenPath = SegmentFixture.repositoryRoot + "/samples/golden-batch.jsonl"
        let fresh = try transform([Self.samples]).encoded()
        if ProcessInfo.processInfo.environment["GOLDEN_RECORD"] == "1" {
            try Data(fresh).write(to: URL(fileURLWithPath: goldenPath))
            Issue.record("recorded \(goldenPath); run again without GOLDEN_RECORD")
            return
        }
        let golden = Array(try Data(contentsOf: URL(fileURLWithPath: goldenPath)))
        #expect(fresh == golden, "transform output changed: if on purpose, bump TransformVersion when meaning changed and run `make golden-batch`")
        let batch = try EdgeBatch.read(path: goldenPath)
        // What the samples are known to hold (HomeLabCluster): spot checks of the golden rows.
        #expect(batch.edges.contains { $0.srcNs == "crowdsec" && $0.dstNs == "dbaas" && $0.action == .deny })
        #expect(batch.edges.contains { $0.srcNs == "traefik" && $0.dstNs == "nextcloud" && $0.action == .allow })
        #expect(!batch.edges.contains { $0.srcNs == $0.dstNs || $0.srcNs == "-" || $0.dstNs == "-" })
        let cron = batch.wide.filter { $0.srcWorkload == "fixer-tick" }
        #expect(cron.count == 2 && cron.allSatisfy { $0.flowCount == 1 && $0.firstSeen == UTCTime.parse("2026-11-27T03:00:00Z") })
        #expect(batch.wide.contains { $0.srcIdentity == "monitoring/grafana" && $0.dstIdentity == "monitoring/prometheus" })
        #expect(batch.wide.contains { $0.dstIdentity == "pub" && $0.dstPort == 25 && $0.action == .deny })
        #expect(batch.header.dropped.all["no_traffic", default: 0] > 0)
    }
}
