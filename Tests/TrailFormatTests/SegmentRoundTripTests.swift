import Foundation
import Testing
import TrailFormat
import TrailTestSupport

@Suite struct SegmentRoundTripTests {
    let start: Int64 = 1_795_744_800

    func records(_ count: Int, perBucket: Int = 10) -> [(bytes: [UInt8], start: Int64)] {
        (0..<count).map { index in
            let fixture = FlowFixture {
                $0.start = start + Int64(index / perBucket) * 15
                $0.destPort = Int64(1000 + index)
                $0.id = Int64(index + 1)
            }
            return (fixture.bytesOnWire, fixture.start)
        }
    }

    @Test func recordsComeBackByteForByte() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let input = records(250)
        let path = directory.file("a.seg")
        let footer = try SegmentFixture.write(input, to: path, windowStart: start, windowEnd: start + 900, recordsPerFrame: 100)
        #expect(footer.recordCount == 250)
        #expect(footer.frames.map(\.records) == [100, 100, 50])
        #expect(try SegmentFixture.records(of: path) == input.map(\.bytes))
        let report = try SegmentVerifier.verify(path: path)
        #expect(report.footer == footer)
        #expect(report.header.windowStart == start)
        #expect(footer.minStart == start && footer.maxEnd == start + 25 * 15)
        #expect(!FileManager.default.fileExists(atPath: path + ".partial"))
    }

    @Test func oneFrameHoldsManyRecords() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let input = records(5000, perBucket: 100)
        let path = directory.file("many.seg")
        let footer = try SegmentFixture.write(input, to: path, windowStart: start, windowEnd: start + 900,
                                              options: .init(frameTarget: 4 << 20, syncEveryFrame: false))
        #expect(footer.frames.count == 1)
        #expect(footer.frames[0].records == 5000)
        #expect(try SegmentFixture.records(of: path) == input.map(\.bytes))
    }

    @Test func aRecordThatExactlyFillsAFrameStartsNoEmptyFrame() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let input = records(40)
        #expect(Set(input.map(\.bytes.count)).count == 1)
        var prefix: [UInt8] = []
        Varint.append(UInt64(input[0].bytes.count), to: &prefix)
        let size = input[0].bytes.count + prefix.count
        // The target fits exactly four records: the fifth must open the next frame.
        let path = directory.file("edge.seg")
        let footer = try SegmentFixture.write(input, to: path, windowStart: start, windowEnd: start + 900,
                                              options: .init(frameTarget: 4 * size, syncEveryFrame: false))
        #expect(footer.frames.allSatisfy { $0.records == 4 })
        #expect(footer.frames.allSatisfy { $0.contentSize == 4 * size })
        #expect(try SegmentFixture.records(of: path) == input.map(\.bytes))
        _ = try SegmentVerifier.verify(path: path)
    }

    @Test func anEmptyWindowIsAValidSegment() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.file("empty.seg")
        let footer = try SegmentFixture.write([], to: path, windowStart: start, windowEnd: start + 900)
        #expect(footer.recordCount == 0 && footer.frames.isEmpty && footer.minStart == nil)
        let report = try SegmentVerifier.verify(path: path)
        #expect(report.footer.coverage.captured == [TimeRange(from: start, to: start + 900)])
        #expect(try SegmentFixture.records(of: path).isEmpty)
    }

    @Test func recordsOutOfBucketOrderAreRefused() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let writer = try SegmentWriter(finalPath: directory.file("order.seg"), header: SegmentFixture.header(windowStart: start, windowEnd: start + 900))
        try writer.append(record: [0x08, 0x01], startTime: start + 15, endTime: start + 30)
        #expect(throws: SegmentError.self) { try writer.append(record: [0x08, 0x02], startTime: start, endTime: start + 15) }
    }

    @Test func aSegmentNameMustEndInSeg() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let error = #expect(throws: SegmentError.self) {
            _ = try SegmentWriter(finalPath: directory.file("a.bin"), header: SegmentFixture.header(windowStart: start, windowEnd: start + 900))
        }
        #expect(error?.code == .invalidArgument)
    }
}
