import Foundation
import Testing
import TrailFormat
import TrailTestSupport

/// `Tests/Fixtures/golden.seg` is the worked example of docs/segment-format.md. The writer
/// must reproduce it byte for byte, and the document's hex dumps must match it.
/// Re-record on purpose only: `GOLDEN_RECORD=1 swift test` rewrites it and fails the run.
@Suite struct GoldenSegmentTests {
    static let goldenPath = SegmentFixture.repositoryRoot + "/Tests/Fixtures/golden.seg"
    static let documentPath = SegmentFixture.repositoryRoot + "/docs/segment-format.md"

    static func writeGolden(to path: String) throws {
        let start: Int64 = 1_795_744_800  // 2026-11-27T02:00:00Z
        let header = SegmentHeader(
            captureId: "00000000-0000-4000-8000-000000000001", cluster: "homelab", endpoint: "goldmane.calico-system.svc:7443",
            windowStart: start, windowEnd: start + 900, tool: "goldmane-trail golden", createdAt: "2026-11-27T02:15:45Z")
        let writer = try SegmentWriter(finalPath: path, header: header, options: .init(syncEveryFrame: false))
        let flows = [
            FlowFixture { $0.start = start; $0.id = 1 },
            FlowFixture { $0.start = start; $0.id = 2; $0.reporter = .dst },
            FlowFixture { $0.start = start + 15; $0.id = 3; $0.destNamespace = "-"; $0.destName = "pub"; $0.destType = .network
                $0.serviceName = "-"; $0.serviceNamespace = "-"; $0.destPort = 443 },
        ]
        for (index, flow) in flows.enumerated() {
            try writer.append(record: flow.bytesOnWire, startTime: flow.start, endTime: flow.start + 15)
            if index == 1 { try writer.flushFrame() }
        }
        try writer.seal(
            sealedAt: "2026-11-27T02:16:00Z",
            coverage: Coverage(captured: [TimeRange(from: start, to: start + 900)], gaps: []),
            stats: ["duplicates_dropped": 0, "items_received": 3])
    }

    @Test func theWriterReproducesTheGoldenSegment() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let fresh = directory.file("golden.seg")
        try Self.writeGolden(to: fresh)
        let freshBytes = try Data(contentsOf: URL(fileURLWithPath: fresh))
        if ProcessInfo.processInfo.environment["GOLDEN_RECORD"] == "1" {
            try freshBytes.write(to: URL(fileURLWithPath: Self.goldenPath))
            Issue.record("recorded \(Self.goldenPath); run again without GOLDEN_RECORD")
            return
        }
        let golden = try Data(contentsOf: URL(fileURLWithPath: Self.goldenPath))
        #expect(freshBytes == golden, "the segment format changed: update docs/segment-format.md, then GOLDEN_RECORD=1")
        let report = try SegmentVerifier.verify(path: Self.goldenPath)
        #expect(report.footer.recordCount == 3)
        #expect(report.footer.frames.map(\.records) == [2, 1])
        #expect(report.footer.stats == ["duplicates_dropped": 0, "items_received": 3])
    }

    /// Every `offset: hex bytes` line in the document's dumps is what the golden file holds there.
    @Test func theFormatDocumentDescribesTheGoldenSegment() throws {
        let golden = Array(try Data(contentsOf: URL(fileURLWithPath: Self.goldenPath)))
        let document = try String(contentsOfFile: Self.documentPath, encoding: .utf8)
        var checkedLines = 0
        for line in document.split(separator: "\n") {
            // Lines like "0x0000  50 2a 4d 18 ...  |comment".
            guard line.hasPrefix("0x") else { continue }
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            let offsetText = fields[0].dropFirst(2)
            let negative = offsetText.hasPrefix("-")
            guard let magnitude = Int(negative ? String(offsetText.dropFirst()) : String(offsetText), radix: 16) else { continue }
            let offset = negative ? golden.count - magnitude : magnitude
            var bytes: [UInt8] = []
            for field in fields.dropFirst() {
                guard field.count == 2, let byte = UInt8(field, radix: 16) else { break }
                bytes.append(byte)
            }
            #expect(Array(golden[offset..<offset + bytes.count]) == bytes, "docs/segment-format.md line: \(line)")
            checkedLines += 1
        }
        #expect(checkedLines >= 6, "the document's worked example is missing")
        // The document quotes the header and footer JSON exactly.
        let reader = try SegmentReader(path: Self.goldenPath)
        #expect(document.contains(String(decoding: try CanonicalJSON.encode(reader.header), as: UTF8.self)))
        #expect(document.contains(String(decoding: try CanonicalJSON.encode(reader.footer), as: UTF8.self)))
    }
}
