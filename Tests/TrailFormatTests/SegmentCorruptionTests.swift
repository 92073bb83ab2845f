import Foundation
import Testing
import TrailFormat
import TrailTestSupport

/// Truncation at every frame boundary and inside every frame, and flipped bits in every
/// part of the file: `verify` names the problem and its byte offset, and a reader refuses.
@Suite struct SegmentCorruptionTests {
    let start: Int64 = 1_795_744_800

    /// A sealed segment of four frames, and its bytes and footer.
    func makeSegment(_ directory: TemporaryDirectory) throws -> (path: String, bytes: [UInt8], footer: SegmentFooter) {
        let records = (0..<80).map { index in
            let fixture = FlowFixture {
                $0.start = start + Int64(index / 4) * 15
                $0.destPort = Int64(index)
            }
            return (fixture.bytesOnWire, fixture.start)
        }
        let path = directory.file("good.seg")
        let footer = try SegmentFixture.write(records, to: path, windowStart: start, windowEnd: start + 900, recordsPerFrame: 20)
        #expect(footer.frames.count == 4)
        return (path, Array(try Data(contentsOf: URL(fileURLWithPath: path))), footer)
    }

    func write(_ bytes: [UInt8], _ path: String) throws {
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }

    @Test func truncationAtEveryFrameBoundaryIsNamedWithItsOffset() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let (_, bytes, footer) = try makeSegment(directory)
        let boundaries = footer.frames.map(\.offset) + [footer.dataEnd]
        for (index, boundary) in boundaries.enumerated() {
            let path = directory.file("cut-\(index).seg")
            try write(Array(bytes[..<boundary]), path)
            let error = #expect(throws: SegmentError.self) { try SegmentVerifier.verify(path: path) }
            #expect(error?.code == .notSealed)
            #expect(error?.offset == boundary, "cut at \(boundary)")
            #expect(error?.message.contains("after \(index) complete data frames") == true)
            #expect(throws: SegmentError.self) { try SegmentReader(path: path) }
        }
    }

    @Test func truncationInsideEveryFrameNamesTheFrame() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let (_, bytes, footer) = try makeSegment(directory)
        for (index, frame) in footer.frames.enumerated() {
            for cut in [frame.offset + 1, frame.offset + frame.compressedSize / 2, frame.offset + frame.compressedSize - 1] {
                let path = directory.file("mid-\(index)-\(cut).seg")
                try write(Array(bytes[..<cut]), path)
                let error = #expect(throws: SegmentError.self) { try SegmentVerifier.verify(path: path) }
                #expect(error?.code == .truncatedFrame)
                #expect(error?.offset == frame.offset)
            }
        }
    }

    @Test func truncationInsideTheFooterIsNamed() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let (_, bytes, footer) = try makeSegment(directory)
        for cut in [footer.dataEnd + 3, footer.dataEnd + 20, bytes.count - 1] {
            let path = directory.file("footer-\(cut).seg")
            try write(Array(bytes[..<cut]), path)
            let error = #expect(throws: SegmentError.self) { try SegmentVerifier.verify(path: path) }
            #expect(error?.offset == footer.dataEnd)
        }
    }

    @Test func aFlippedBitInEveryDataFrameIsCaughtByItsChecksum() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let (_, bytes, footer) = try makeSegment(directory)
        for (index, frame) in footer.frames.enumerated() {
            // Past the zstd frame header, inside the compressed blocks.
            for position in [frame.offset + frame.compressedSize / 2, frame.offset + frame.compressedSize - 5] {
                var damaged = bytes
                damaged[position] ^= 0x10
                let path = directory.file("flip-\(index)-\(position).seg")
                try write(damaged, path)
                let error = #expect(throws: SegmentError.self) { try SegmentVerifier.verify(path: path) }
                #expect(error?.offset == frame.offset, "bit flipped at \(position)")
                #expect([.corruptFrame, .truncatedFrame, .badRecordFraming, .footerMismatch].contains(error?.code))
                // A reader (what transform uses) refuses the frame too.
                let reader = try SegmentReader(path: path)
                #expect(throws: SegmentError.self) { _ = try reader.readFrame(index) }
            }
        }
    }

    @Test func aFlippedBitInTheHeaderOrFooterIsCaught() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let (_, bytes, footer) = try makeSegment(directory)
        let cases: [(position: Int, code: SegmentError.Code)] = [
            (0, .badHeader), (9, .badHeader), (30, .badHeader),
            (footer.dataEnd + 30, .badFooter), (bytes.count - 12, .badFooter), (bytes.count - 3, .notSealed),
        ]
        for (position, code) in cases {
            var damaged = bytes
            damaged[position] ^= 0x01
            let path = directory.file("meta-\(position).seg")
            try write(damaged, path)
            let error = #expect(throws: SegmentError.self) { try SegmentVerifier.verify(path: path) }
            #expect(error?.code == code, "bit flipped at \(position): \(String(describing: error))")
            #expect(error?.offset != nil)
        }
    }

    @Test func aFileThatIsNotASegmentIsNamedAsSuch() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.file("text.seg")
        try write(Array("hello, this is not a segment at all".utf8), path)
        let error = #expect(throws: SegmentError.self) { try SegmentVerifier.verify(path: path) }
        #expect(error?.code == .badHeader)
        #expect(error?.description.contains(path) == true)
    }
}
