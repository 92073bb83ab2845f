import Foundation
import Testing
import TrailFormat
import TrailTestSupport

/// The edge batch file: written and read back exactly, whatever the names hold; an altered,
/// truncated or misordered file is refused with its line.
@Suite struct EdgeBatchFileTests {
    static let hostile = [
        "<!channel>", "*bold* _it_ ~x~ `code`", "'; DROP TABLE edge;--", String(repeating: "n", count: 300),
        "naïve-日本語-🚀", "tab\there", "new\nline", "back\\slash \"quoted\"", "control\u{01}\u{1F}", "slash/and\\/",
    ]

    func batch(names: [String]) -> EdgeBatch {
        let totals = EdgeTotals(firstSeen: 1_795_744_800, lastSeen: 1_795_744_815, flowCount: 2, connections: 1,
                                packetsIn: 3, packetsOut: 4, bytesIn: 5, bytesOut: 6)
        let edges = names.map { EdgeRow(cluster: "c-" + $0, day: "2026-11-28", srcNs: $0, dstNs: "dst-" + $0, action: .allow, totals: totals) }
        let wide = names.map {
            WideEdgeRow(cluster: "c-" + $0, srcType: .workload, srcNs: $0, srcIdentity: $0 + "/x", srcWorkload: $0, dstType: .network, dstNs: "-",
                        dstIdentity: "pub", dstWorkload: "pub", dstService: "-", dstPort: 443, proto: "tcp", action: .deny,
                        reporter: .src, totals: totals, days: ["2026-11-28"])
        }
        let policy = names.map {
            PolicyFlowRow(cluster: "c-" + $0, day: "2026-11-28", identity: PolicyFlowIdentity(
                srcType: .workload, srcNs: $0, srcWorkload: $0, srcLabels: ["app=" + $0, "k=\"quoted\" \\ {x,y}"], dstType: .network, dstNs: "-",
                dstWorkload: "pub", dstLabels: [], dstPort: 443, proto: "tcp", reporter: .src, action: .deny,
                enforced: PolicyDecision(kind: "EndOfTier", tier: "default", policy: "", rule: -1, action: .deny, trigger: "NetworkPolicy \($0)/p"),
                pending: PolicyDecision(kind: "StagedNetworkPolicy", tier: "default", policy: $0 + "/s", rule: 0, action: .allow)),
                firstSeen: 1_795_744_800, lastSeen: 1_795_744_815, flowCount: 2, connections: 1)
        }
        let header = BatchHeader(
            transformVersion: 1, settings: TransformSettingsRecord(serviceIdentityNamespaces: ["dbaas"], serviceIdentityLabel: "service-identity"),
            inputs: [], skippedInputs: [], items: ItemCounts(), dropped: DropCounts(all: [:], edge: [:]),
            edgeRows: edges.count, wideRows: wide.count, policyRows: policy.count, rowsSha256: "")
        return EdgeBatch(header: header, edges: edges, wide: wide, policy: policy)
    }

    @Test func hostileNamesRoundTripExactly() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.file("b.jsonl")
        let original = batch(names: Self.hostile)
        try original.write(to: path)
        let read = try EdgeBatch.read(path: path)
        #expect(read.edges == original.edges)
        #expect(read.wide == original.wide)
        #expect(read.policy == original.policy)
        #expect(read.policy.map(\.flowID) == original.policy.map(\.flowID))
        #expect(read.header.rowsSha256 == EdgeBatch.sha256Hex(try EdgeBatch.rowLines(edges: original.edges, wide: original.wide, policy: original.policy)))
        // One JSON object per line: names with newlines stay on their line.
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 1 + 3 * Self.hostile.count)
    }

    /// The file's bytes are the batch's encoding whichever way it is written: into a regular
    /// file in one pass (the header written over at the end, the rows made on another thread
    /// while they are written), and into a pipe in two (hashed first). Enough rows for several
    /// pieces and several of the writer's buffers.
    @Test func aFileAndAPipeGetTheEncodedBytes() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let names = (0..<8_000).map { "ns-\($0)-" + Self.hostile[$0 % Self.hostile.count] }
        let large = batch(names: names)
        let expected = try large.encoded()
        #expect(expected.count > 2 * (4 << 20), "more than two of the writer's 4 MiB buffers")
        let path = directory.file("b.jsonl")
        try large.write(to: path)
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == Data(expected))

        let fifo = directory.file("fifo")
        #expect(mkfifo(fifo, 0o600) == 0)
        nonisolated(unsafe) var received = Data()
        let done = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            // Opened for reading before the writer's open returns (a FIFO's opens meet).
            received = FileHandle(forReadingAtPath: fifo)?.readDataToEndOfFile() ?? Data()
            done.signal()
        }
        try large.write(to: fifo)
        done.wait()
        #expect(received == Data(expected))
    }

    @Test func anAlteredFileIsRefused() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.file("b.jsonl")
        try batch(names: ["a", "b"]).write(to: path)
        var text = try String(contentsOfFile: path, encoding: .utf8)
        text = text.replacingOccurrences(of: "\"flow_count\":2", with: "\"flow_count\":3")
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        let error = #expect(throws: EdgeBatchError.self) { try EdgeBatch.read(path: path) }
        #expect(error?.message.contains("rows_sha256") == true)
    }

    @Test func aTruncatedFileIsRefused() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.file("b.jsonl")
        try batch(names: ["a", "b", "c"]).write(to: path)
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
        try (lines.dropLast().joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        let error = #expect(throws: EdgeBatchError.self) { try EdgeBatch.read(path: path) }
        #expect(error?.message.contains("truncated") == true)
    }

    @Test func aRowOfTheWrongKindIsNamedByLine() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let original = batch(names: ["a"])
        // A wide row where the edge row should be, with a header that matches its rows.
        var swapped = original
        swapped.edges = []
        swapped.header.edgeRows = 1
        swapped.header.wideRows = 0
        swapped.header.policyRows = 0
        let rows = try EdgeBatch.rowLines(edges: [], wide: original.wide, policy: [])
        swapped.header.rowsSha256 = EdgeBatch.sha256Hex(rows)
        var bytes = try CanonicalJSON.encode(swapped.header)
        bytes.append(UInt8(ascii: "\n"))
        bytes += rows
        let path = directory.file("b.jsonl")
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let error = #expect(throws: EdgeBatchError.self) { try EdgeBatch.read(path: path) }
        #expect(error?.line == 2)
        #expect(error?.message.contains("not an edge row") == true)
    }

    @Test func anOlderFormatOrImpossibleCountsAreNamedNotTrapped() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.file("b.jsonl")
        let text = String(decoding: try batch(names: ["a"]).encoded(), as: UTF8.self)
        // A batch of format 2 (before rows were pieces of a cluster's day).
        try text.replacingOccurrences(of: "\"format_version\":3", with: "\"format_version\":2")
            .write(toFile: path, atomically: true, encoding: .utf8)
        let old = #expect(throws: EdgeBatchError.self) { try EdgeBatch.read(path: path) }
        #expect(old?.message.contains("transform the segments again") == true, "\(String(describing: old))")
        // Counts that overflow when added.
        try text.replacingOccurrences(of: "\"edge_rows\":1", with: "\"edge_rows\":9223372036854775807")
            .write(toFile: path, atomically: true, encoding: .utf8)
        let huge = #expect(throws: EdgeBatchError.self) { try EdgeBatch.read(path: path) }
        #expect(huge?.line == 1 && huge?.message.contains("not counts") == true, "\(String(describing: huge))")
    }
}
