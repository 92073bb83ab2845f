import Foundation
import SampleGenerator
import Testing
import TrailFormat
import TrailTestSupport
@testable import Transform

/// The fold at real-cluster cardinality: hundreds of thousands of distinct FlowKeys, label
/// values and namespaces (the interning table once wrote past its entries at the 4,097th key).
/// Every batch must equal the reference fold of the same items, byte for byte, whatever the
/// order of the items and however they are split into segments.
@Suite struct CardinalityTests {
    static let base: Int64 = 1_795_744_800

    /// A FlowResult, encoded by hand (the generated encoder is slow in debug builds).
    static func record(
        source: String, sourceNamespace: String, dest: String, destNamespace: String, port: Int64,
        start: Int64, packets: Int64, sourceLabels: [String] = [], destLabels: [String] = []
    ) -> [UInt8] {
        var key = WireWriter()
        key.string(1, source)
        key.string(2, sourceNamespace)
        key.varint(3, 1)
        key.string(4, dest)
        key.string(5, destNamespace)
        key.varint(6, 1)
        key.varint(7, UInt64(port))
        key.string(8, "-")
        key.string(9, "-")
        key.string(12, "tcp")
        key.varint(13, 1)
        key.varint(14, 1)
        var flow = WireWriter()
        flow.bytes(1, key.output)
        flow.varint(2, UInt64(start))
        flow.varint(3, UInt64(start + 15))
        for label in sourceLabels { flow.string(4, label) }
        for label in destLabels { flow.string(5, label) }
        flow.varint(7, UInt64(packets))
        flow.varint(9, UInt64(packets * 100))
        flow.varint(10, 1)
        var result = WireWriter()
        result.varint(1, 1)
        result.bytes(2, flow.output)
        return result.output
    }

    /// `count` items with distinct FlowKeys spread over `buckets` buckets, from a seeded generator.
    static func distinctKeys(_ count: Int, buckets: Int64 = 4, seed: UInt64) -> [(bytes: [UInt8], start: Int64)] {
        var random = SplitMix64(seed: seed)
        return (0..<count).map { index in
            let start = base + Int64(random.next() % UInt64(buckets)) * 15
            let bytes = record(source: "client-\(index % 997)-6d9f8b7c54-*", sourceNamespace: "ns-\(index % 211)",
                               dest: "server-\(index)", destNamespace: "backend-\(index % 13)", port: Int64(1024 + index % 50_000),
                               start: start, packets: Int64(1 + random.next() % 1000))
            return (bytes, start)
        }
    }

    /// Writes `items` as segments: split at `cuts` (fractions), each segment's items in bucket
    /// order but otherwise in the order given. Returns the paths.
    static func write(_ items: [(bytes: [UInt8], start: Int64)], split cuts: [Double], in directory: TemporaryDirectory, name: String) throws -> [String] {
        var bounds = cuts.map { Int(Double(items.count) * $0) }
        bounds = [0] + bounds + [items.count]
        var paths: [String] = []
        for index in 0..<(bounds.count - 1) {
            let part = items[bounds[index]..<bounds[index + 1]].enumerated()
                .sorted { ($0.element.start, $0.offset) < ($1.element.start, $1.offset) }.map(\.element)
            let path = directory.file("\(name)-\(index).seg")
            try SegmentFixture.write(part, to: path, windowStart: base, windowEnd: base + 3600, recordsPerFrame: 50_000)
            paths.append(path)
        }
        return paths
    }

    static func expectEqualToReference(_ batch: EdgeBatch, _ records: [[UInt8]], settings: TransformSettings = TransformSettings()) throws {
        let reference = ReferenceFold(settings: settings).rows(records, cluster: batch.header.inputs.first?.cluster ?? "")
        #expect(batch.edges.count == reference.edges.count)
        #expect(batch.wide.count == reference.wide.count)
        #expect(batch.policy.count == reference.policy.count)
        let folded = try EdgeBatch.rowLines(edges: batch.edges, wide: batch.wide, policy: batch.policy)
        let expected = try EdgeBatch.rowLines(edges: reference.edges, wide: reference.wide, policy: reference.policy)
        #expect(folded == expected, "the fold's rows differ from the reference fold's")
    }

    @Test func twoHundredThousandKeysInOneSegment() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let items = Self.distinctKeys(200_000, seed: 1)
        let paths = try Self.write(items, split: [], in: directory, name: "one")
        let batch = try transform(paths)
        #expect(batch.header.items.folded == 200_000)
        try Self.expectEqualToReference(batch, items.map(\.bytes))
    }

    @Test func twoHundredThousandKeysAcrossSegmentsInAnyOrderAndSplit() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        var items = Self.distinctKeys(200_000, seed: 2)
        // A fifth of the items again, as copies in other segments (overlapping windows).
        items += items.prefix(40_000)
        var random = SplitMix64(seed: 3)
        items.shuffle(using: &random)
        let first = try transform(Self.write(items, split: [0.3, 0.55, 0.8], in: directory, name: "a"))
        items.shuffle(using: &random)
        let second = try transform(Self.write(items, split: [0.5], in: directory, name: "b").reversed())
        #expect(first.header.items.folded == 200_000)
        #expect(first.header.items.duplicates == 40_000)
        #expect(try EdgeBatch.rowLines(edges: first.edges, wide: first.wide, policy: first.policy) == EdgeBatch.rowLines(edges: second.edges, wide: second.wide, policy: second.policy))
        try Self.expectEqualToReference(first, items.map(\.bytes))
    }

    @Test func oneHundredThousandLabelValues() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let settings = TransformSettings(serviceIdentityNamespaces: ["monitoring", "dbaas"], serviceIdentityLabel: "service-identity")
        var random = SplitMix64(seed: 4)
        let items: [(bytes: [UInt8], start: Int64)] = (0..<100_000).map { index in
            let start = Self.base + Int64(random.next() % 3) * 15
            // Each item its own label value, on both ends; a few keys seen with two values.
            let bytes = Self.record(
                source: "agent-\(index % 5000)-6d9f8b7c54-*", sourceNamespace: "monitoring", dest: "db-\(index % 7)-0",
                destNamespace: "dbaas", port: 5432, start: start, packets: 3,
                sourceLabels: ["app=agent", "service-identity=svc-\(index)"], destLabels: ["service-identity=db-\(index % 50_000)"])
            return (bytes, start)
        }
        let batch = try transform(Self.write(items, split: [0.5], in: directory, name: "labels"), settings: settings)
        #expect(batch.wide.count > 50_000)
        try Self.expectEqualToReference(batch, items.map(\.bytes), settings: settings)
    }

    @Test func twentyThousandNamespaces() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let items: [(bytes: [UInt8], start: Int64)] = (0..<40_000).map { index in
            let start = Self.base + Int64(index % 2) * 15
            let bytes = Self.record(source: "a-\(index)", sourceNamespace: "tenant-\(index % 20_000)", dest: "b",
                                    destNamespace: "shared-\((index * 7) % 20_000)", port: 443, start: start, packets: 1)
            return (bytes, start)
        }
        let batch = try transform(Self.write(items, split: [0.25, 0.5], in: directory, name: "ns"))
        #expect(Set(batch.wide.map(\.srcNs)).count == 20_000)
        try Self.expectEqualToReference(batch, items.map(\.bytes))
    }

    /// The interning table on its own, past every growth step, against a dictionary.
    @Test func theInterningTableAgreesWithADictionary() {
        let table = ByteStringTable(capacity: 16)
        var reference: [[UInt8]: Int32] = [:]
        var random = SplitMix64(seed: 5)
        for _ in 0..<300_000 {
            // Lengths 0 to 40: empty strings and short ones collide in every way.
            let length = Int(random.next() % 41)
            let bytes = (0..<length).map { _ in UInt8(truncatingIfNeeded: random.next() % 4) } + Array("k\(random.next() % 150_000)".utf8)
            let (id, isNew) = bytes.withUnsafeBytes { table.id(of: $0) }
            if let known = reference[bytes] {
                #expect(!isNew && id == known)
            } else {
                #expect(isNew && Int(id) == reference.count)
                reference[bytes] = id
            }
        }
        #expect(table.count == reference.count)
        // Strings longer than an arena chunk each get a chunk of their own, and are found again.
        let big = (0..<3).map { index in [UInt8](repeating: UInt8(index), count: ByteStringTable.chunkSize + 1000 * index) }
        let ids = big.map { bytes in bytes.withUnsafeBytes { table.id(of: $0) } }
        #expect(ids.allSatisfy(\.isNew) && ids.map(\.id) == (0..<3).map { Int32(reference.count + $0) })
        #expect(big.map { bytes in bytes.withUnsafeBytes { table.id(of: $0) } }.map(\.id) == ids.map(\.id))
        let small = Array("after-the-big-ones".utf8)
        #expect(small.withUnsafeBytes { table.id(of: $0) }.isNew && !small.withUnsafeBytes { table.id(of: $0) }.isNew)
    }
}

/// Protobuf wire encoding of the few field kinds a FlowResult needs.
struct WireWriter {
    var output: [UInt8] = []

    mutating func rawVarint(_ value: UInt64) {
        var value = value
        while value >= 0x80 {
            output.append(UInt8(value & 0x7F) | 0x80)
            value >>= 7
        }
        output.append(UInt8(value))
    }

    mutating func varint(_ field: UInt64, _ value: UInt64) {
        rawVarint(field << 3)
        rawVarint(value)
    }

    mutating func bytes(_ field: UInt64, _ value: [UInt8]) {
        rawVarint(field << 3 | 2)
        rawVarint(UInt64(value.count))
        output += value
    }

    mutating func string(_ field: UInt64, _ value: String) { bytes(field, Array(value.utf8)) }
}

