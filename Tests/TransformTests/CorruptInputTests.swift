import Foundation
import Testing
import TrailFormat
import TrailTestSupport
@testable import Transform

/// A corrupt or unsealed input is never folded silently: the job refuses it, or, when
/// asked to skip, leaves it out and says so.
@Suite struct CorruptInputTests {
    let start: Int64 = 1_795_744_800

    func setUp(_ directory: TemporaryDirectory) throws -> (good: String, bad: String) {
        let good = try directory.segment("good.seg", (0..<20).map { i in FlowFixture { $0.start = start + Int64(i) * 15 } })
        let badSource = try directory.segment("bad.seg", (0..<20).map { i in
            FlowFixture { $0.start = start + Int64(i) * 15; $0.destNamespace = "other" } })
        var bytes = Array(try Data(contentsOf: URL(fileURLWithPath: badSource)))
        let footer = try SegmentReader(path: badSource).footer
        bytes[footer.frames[0].offset + footer.frames[0].compressedSize / 2] ^= 0x40
        try Data(bytes).write(to: URL(fileURLWithPath: badSource))
        return (good, badSource)
    }

    @Test func aCorruptInputStopsTheJob() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let (good, bad) = try setUp(directory)
        let error = #expect(throws: TransformError.self) { try transform([good, bad]) }
        #expect(error?.code == .corruptInput)
        #expect(error?.message.contains("bad.seg") == true)
        #expect(error?.message.contains("--skip-corrupt") == true)
    }

    @Test func skippingIsReportedAndFoldsTheRest() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let (good, bad) = try setUp(directory)
        let output = try TransformJob(inputs: [good, bad], skipCorrupt: true).run()
        #expect(output.batch.header.skippedInputs.map(\.segment) == ["bad.seg"])
        #expect(output.batch.header.inputs.map(\.segment) == ["good.seg"])
        #expect(output.warnings.contains { $0.contains("bad.seg") })
        let alone = try transform([good])
        #expect(output.batch.edges == alone.edges)
    }

    @Test func anUnsealedFileIsRefusedByNameAndIgnoredInADirectoryWithAWarning() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let (good, _) = try setUp(directory)
        try FileManager.default.removeItem(atPath: directory.file("bad.seg"))
        let writer = try SegmentWriter(finalPath: directory.file("open.seg"), header: SegmentFixture.header(windowStart: start, windowEnd: start + 900))
        try writer.append(record: FlowFixture { $0.start = start }.bytesOnWire, startTime: start, endTime: start + 15)
        try writer.flushFrame()
        let error = #expect(throws: TransformError.self) { try transform([directory.file("open.seg.partial")]) }
        #expect(error?.code == .corruptInput)
        let output = try TransformJob(inputs: [directory.path]).run()
        #expect(output.batch.header.inputs.map(\.segment) == ["good.seg"])
        #expect(output.warnings.contains { $0.contains("open.seg.partial") && $0.contains("unsealed") })
        _ = good
    }

    @Test func missingInputsAreNamed() throws {
        let error = #expect(throws: TransformError.self) { try transform(["/nonexistent/archive"]) }
        #expect(error?.code == .badInput)
        #expect(error?.message.contains("/nonexistent/archive") == true)
    }
}
