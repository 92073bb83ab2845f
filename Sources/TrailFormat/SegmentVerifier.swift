#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Checks everything about one segment: header and footer checksums, every data frame's
/// zstd checksum, the record framing, bucket order, and that the footer's frame table and
/// counts match what the frames hold. The first problem is thrown with its byte offset.
public enum SegmentVerifier {
    public struct Report: Sendable {
        public var header: SegmentHeader
        public var footer: SegmentFooter
        public var fileSize: Int
    }

    public static func verify(path: String) throws(SegmentError) -> Report {
        let file = try FileHandleIO(path: path, flags: O_RDONLY)
        let fileSize = try file.size()
        let (header, dataStart) = try SegmentHeaderReader.read(file: file, fileSize: fileSize)
        let footer = try SegmentFooterReader.read(file: file, fileSize: fileSize)
        let bytes = try file.read(at: 0, count: fileSize)
        let limit = footer?.dataEnd ?? fileSize
        let outcome = bytes.withUnsafeBytes { FrameScanner.scan($0, path: path, dataStart: dataStart, limit: limit) }
        if let problem = outcome.problem { throw problem }
        guard let footer else {
            throw SegmentError(.notSealed, path: path, offset: outcome.goodEnd,
                "the file ends after \(outcome.frames.count) complete data frames with no footer: truncated, or never sealed")
        }
        for (index, scanned) in outcome.frames.enumerated() {
            guard index < footer.frames.count, footer.frames[index] == scanned else {
                throw SegmentError(.footerMismatch, path: path, offset: scanned.offset,
                    "data frame \(index) does not match the footer's frame table entry")
            }
        }
        let records = outcome.frames.reduce(0) { $0 + $1.records }
        guard outcome.frames.count == footer.frames.count, records == footer.recordCount,
              footer.minStart == outcome.frames.first?.firstStart, footer.maxEnd == outcome.frames.map(\.maxEnd).max() else {
            throw SegmentError(.footerMismatch, path: path, offset: footer.dataEnd,
                "the footer counts \(footer.frames.count) frames and \(footer.recordCount) records; the data holds \(outcome.frames.count) frames and \(records) records")
        }
        return Report(header: header, footer: footer, fileSize: fileSize)
    }
}
