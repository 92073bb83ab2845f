import Foundation
import Testing
import TrailFormat
import TrailTestSupport

@Suite struct SegmentRecoveryTests {
    let start: Int64 = 1_795_744_800

    /// An unsealed file as a crash leaves it: header and three flushed frames, then part of
    /// a fourth frame.
    func crashedCapture(_ directory: TemporaryDirectory) throws -> (partial: String, kept: [[UInt8]], goodEnd: Int, size: Int) {
        let final = directory.file("crash.seg")
        let writer = try SegmentWriter(finalPath: final, header: SegmentFixture.header(windowStart: start, windowEnd: start + 900),
                                       options: .init(syncEveryFrame: false))
        var kept: [[UInt8]] = []
        for index in 0..<60 {
            let fixture = FlowFixture { $0.start = start + Int64(index / 5) * 15; $0.destPort = Int64(index) }
            try writer.append(record: fixture.bytesOnWire, startTime: fixture.start, endTime: fixture.start + 15)
            kept.append(fixture.bytesOnWire)
            if (index + 1) % 15 == 0 && index < 45 { try writer.flushFrame() }
        }
        let goodEnd = try FileHandleIO(path: final + ".partial", flags: O_RDONLY).size()
        try writer.flushFrame()  // the fourth frame, which the "crash" will tear
        let partial = final + ".partial"
        let size = try FileHandleIO(path: partial, flags: O_RDONLY).size()
        let torn = goodEnd + (size - goodEnd) / 2
        #expect(truncate(partial, off_t(torn)) == 0)
        return (partial, Array(kept.prefix(45)), goodEnd, torn)
    }

    @Test func recoveryKeepsEveryCompleteFrameAndSaysWhatItCut() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let (partial, kept, goodEnd, size) = try crashedCapture(directory)
        let result = try SegmentRecovery.recover(partialPath: partial, sealedAt: "2026-11-27T02:00:00Z") { header, maxEnd in
            Coverage(captured: [TimeRange(from: header.windowStart, to: maxEnd ?? header.windowStart)],
                     gaps: [.init(from: maxEnd ?? header.windowStart, to: header.windowEnd, reason: "capture crashed")])
        }
        #expect(result.bytesCut == size - goodEnd)
        #expect(result.cutReason != nil)
        #expect(result.footer.seal == .recovered)
        #expect(result.footer.recoveredBytesCut == size - goodEnd)
        #expect(result.footer.recordCount == 45)
        #expect(!FileManager.default.fileExists(atPath: partial))
        #expect(try SegmentFixture.records(of: result.sealedPath) == kept)
        let report = try SegmentVerifier.verify(path: result.sealedPath)
        #expect(report.footer.coverage.gaps.count == 1)
    }

    @Test func aFileCompleteButNotRenamedIsSealedWithoutCutting() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let sealed = directory.file("done.seg")
        let fixture = FlowFixture { $0.start = start }
        try SegmentFixture.write([(fixture.bytesOnWire, start)], to: sealed, windowStart: start, windowEnd: start + 900)
        let partial = sealed + ".partial"
        #expect(rename(sealed, partial) == 0)
        let result = try SegmentRecovery.recover(partialPath: partial, sealedAt: "unused") { _, _ in Coverage(captured: [], gaps: []) }
        #expect(result.bytesCut == 0)
        #expect(result.footer.seal == .complete)
        _ = try SegmentVerifier.verify(path: sealed)
    }

    @Test func anUnsealedFileWithOnlyAHeaderRecoversEmpty() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let final = directory.file("header-only.seg")
        _ = try SegmentWriter(finalPath: final, header: SegmentFixture.header(windowStart: start, windowEnd: start + 900))
        let result = try SegmentRecovery.recover(partialPath: final + ".partial", sealedAt: "t") { header, _ in
            Coverage(captured: [], gaps: [.init(from: header.windowStart, to: header.windowEnd, reason: "capture crashed")])
        }
        #expect(result.footer.recordCount == 0)
        #expect(result.bytesCut == 0)
        _ = try SegmentVerifier.verify(path: final)
    }
}
