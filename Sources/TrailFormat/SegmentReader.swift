#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Opens a sealed segment: checks the header and the footer on open, then hands out data
/// frames one at a time, each checked against the footer's frame table and its zstd
/// content checksum. Memory is one frame, whatever the segment's size.
package final class SegmentReader {
    package let path: String
    package let header: SegmentHeader
    package let footer: SegmentFooter
    package let fileSize: Int
    let file: FileHandleIO
    let context = Zstd.DecompressionContext()
    private var compressed: [UInt8] = []

    package init(path: String) throws(SegmentError) {
        self.path = path
        file = try FileHandleIO(path: path, flags: O_RDONLY)
        fileSize = try file.size()
        let (header, dataStart) = try SegmentHeaderReader.read(file: file, fileSize: fileSize)
        self.header = header
        guard let footer = try SegmentFooterReader.read(file: file, fileSize: fileSize) else {
            throw SegmentError(.notSealed, path: path, offset: fileSize,
                "no footer at the end of the file: it is truncated or was never sealed (run `goldmane-trail verify` for the first bad byte; `capture` recovers unsealed .partial files)")
        }
        guard footer.dataStart == dataStart else {
            throw SegmentError(.footerMismatch, path: path, offset: dataStart, "footer says data starts at byte \(footer.dataStart), header ends at \(dataStart)")
        }
        var expected = dataStart
        for (index, frame) in footer.frames.enumerated() {
            guard frame.offset == expected, frame.compressedSize > 0, frame.records > 0 else {
                throw SegmentError(.footerMismatch, path: path, offset: frame.offset, "footer frame table entry \(index) is not contiguous (expected offset \(expected)) or claims no records")
            }
            expected += frame.compressedSize
        }
        guard expected == footer.dataEnd, footer.frames.reduce(0, { $0 + $1.records }) == footer.recordCount else {
            throw SegmentError(.footerMismatch, path: path, offset: footer.dataEnd, "footer frame table does not add up to its data end and record count")
        }
        self.footer = footer
    }

    package var frameCount: Int { footer.frames.count }

    /// Reads, checks and decompresses data frame `index`, into `reusing` when given (whose
    /// previous content is then gone).
    package func readFrame(_ index: Int, reusing: DecodedFrame? = nil) throws(SegmentError) -> DecodedFrame {
        let entry = footer.frames[index]
        if compressed.count < entry.compressedSize { compressed = [UInt8](repeating: 0, count: entry.compressedSize) }
        let got = try file.read(at: entry.offset, into: &compressed, count: entry.compressedSize)
        guard got == entry.compressedSize else {
            throw SegmentError(.truncatedFrame, path: path, offset: entry.offset + got, "frame \(index) ends early")
        }
        let frame = reusing ?? DecodedFrame()
        try frame.load(compressed, count: entry.compressedSize, path: path, offset: entry.offset,
                       expectedContentSize: entry.contentSize, context: context)
        guard frame.recordCount == entry.records else {
            throw SegmentError(.footerMismatch, path: path, offset: entry.offset, "frame \(index) holds \(frame.recordCount) records, the footer says \(entry.records)")
        }
        return frame
    }
}

/// Reads and checks the header frame at the start of a segment.
enum SegmentHeaderReader {
    static func read(file: FileHandleIO, fileSize: Int) throws(SegmentError) -> (SegmentHeader, dataStart: Int) {
        let path = file.path
        let prefix = try file.read(at: 0, count: SegmentLayout.skippableFrameHeaderSize + SegmentLayout.headerPrefixSize)
        guard prefix.count == 20 else {
            throw SegmentError(.badHeader, path: path, offset: 0, "file is \(fileSize) bytes, too short for a segment header")
        }
        guard LittleEndian.uint32(prefix, at: 0) == SegmentLayout.headerFrameMagic,
              Array(prefix[8..<16]) == SegmentLayout.headerMagic else {
            throw SegmentError(.badHeader, path: path, offset: 0, "not a goldmane-trail segment (bad magic)")
        }
        let payloadSize = Int(LittleEndian.uint32(prefix, at: 4))
        let dataStart = SegmentLayout.skippableFrameHeaderSize + payloadSize
        guard payloadSize >= SegmentLayout.headerPrefixSize, dataStart <= fileSize else {
            throw SegmentError(.badHeader, path: path, offset: 4, "header frame size \(payloadSize) runs past the end of the file")
        }
        let json = try file.read(at: 20, count: payloadSize - SegmentLayout.headerPrefixSize)
        guard CRC32.checksum(json) == LittleEndian.uint32(prefix, at: 16) else {
            throw SegmentError(.badHeader, path: path, offset: 20, "header checksum mismatch: the header is corrupt")
        }
        let header: SegmentHeader
        do { header = try CanonicalJSON.decode(SegmentHeader.self, from: json) } catch {
            throw SegmentError(.badHeader, path: path, offset: 20, "header JSON is not valid: \(error)")
        }
        guard header.format == SegmentHeader.formatName else {
            throw SegmentError(.badHeader, path: path, offset: 20, "header format is \"\(header.format)\", not \(SegmentHeader.formatName)")
        }
        guard header.formatVersion == SegmentHeader.currentFormatVersion else {
            throw SegmentError(.unsupportedVersion, path: path, offset: 20, "format version \(header.formatVersion) is not supported by this build (supports \(SegmentHeader.currentFormatVersion)); upgrade goldmane-trail")
        }
        guard header.recordType == SegmentHeader.recordTypeName else {
            throw SegmentError(.badHeader, path: path, offset: 20, "header record_type is \"\(header.recordType)\", not \(SegmentHeader.recordTypeName)")
        }
        guard header.windowStart < header.windowEnd else {
            throw SegmentError(.badHeader, path: path, offset: 20, "header window_start \(header.windowStart) is not before window_end \(header.windowEnd)")
        }
        guard header.windowStart >= 0, header.windowEnd <= BucketTime.latest else {
            throw SegmentError(.badHeader, path: path, offset: 20, "header window \(header.windowStart) to \(header.windowEnd) is outside 1970 to 9999")
        }
        return (header, dataStart)
    }
}

/// Finds and checks the footer from the end of a segment. Returns nil when the file does
/// not end in a trailer (unsealed or truncated); throws when a trailer is there but bad.
enum SegmentFooterReader {
    static func read(file: FileHandleIO, fileSize: Int) throws(SegmentError) -> SegmentFooter? {
        let path = file.path
        guard fileSize >= SegmentLayout.trailerSize + SegmentLayout.skippableFrameHeaderSize else { return nil }
        let trailerOffset = fileSize - SegmentLayout.trailerSize
        let trailer = try file.read(at: trailerOffset, count: SegmentLayout.trailerSize)
        guard Array(trailer[8..<16]) == SegmentLayout.trailerMagic else { return nil }
        let jsonLength = Int(LittleEndian.uint32(trailer, at: 0))
        let jsonOffset = trailerOffset - jsonLength
        let frameOffset = jsonOffset - SegmentLayout.skippableFrameHeaderSize
        guard frameOffset >= 0 else {
            throw SegmentError(.badFooter, path: path, offset: trailerOffset, "footer length \(jsonLength) runs past the start of the file")
        }
        let frameHeader = try file.read(at: frameOffset, count: SegmentLayout.skippableFrameHeaderSize)
        guard LittleEndian.uint32(frameHeader, at: 0) == SegmentLayout.footerFrameMagic,
              Int(LittleEndian.uint32(frameHeader, at: 4)) == jsonLength + SegmentLayout.trailerSize else {
            throw SegmentError(.badFooter, path: path, offset: frameOffset, "footer frame header does not match the trailer")
        }
        let json = try file.read(at: jsonOffset, count: jsonLength)
        guard CRC32.checksum(json) == LittleEndian.uint32(trailer, at: 4) else {
            throw SegmentError(.badFooter, path: path, offset: jsonOffset, "footer checksum mismatch: the footer is corrupt")
        }
        let footer: SegmentFooter
        do { footer = try CanonicalJSON.decode(SegmentFooter.self, from: json) } catch {
            throw SegmentError(.badFooter, path: path, offset: jsonOffset, "footer JSON is not valid: \(error)")
        }
        guard footer.dataEnd == frameOffset else {
            throw SegmentError(.badFooter, path: path, offset: frameOffset, "footer says data ends at byte \(footer.dataEnd), the footer frame starts at \(frameOffset)")
        }
        return footer
    }
}
