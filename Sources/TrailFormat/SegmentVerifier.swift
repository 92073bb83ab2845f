#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Checks everything about one segment, through the same `SegmentWalker` every reader uses:
/// header and footer checksums and fields, every data frame against its footer entry and its
/// zstd checksum, the record framing, bucket order and the footer's totals. The first problem
/// is thrown with its byte offset. A file with no footer is scanned frame by frame to name
/// the first bad byte (what recovery would cut).
package enum SegmentVerifier {
    package struct Report: Sendable {
        package var header: SegmentHeader
        package var footer: SegmentFooter
        package var fileSize: Int
        /// Records inside sound frames that are not FlowResult messages (warnings, not damage).
        package var undecodable: [RecordLocation]
    }

    package static func verify(path: String) throws(SegmentError) -> Report {
        let file = try FileHandleIO(path: path, flags: O_RDONLY)
        let fileSize = try file.size()
        let (_, dataStart) = try SegmentHeaderReader.read(file: file, fileSize: fileSize)
        guard try SegmentFooterReader.read(file: file, fileSize: fileSize) != nil else {
            let bytes = try file.read(at: 0, count: fileSize)
            let outcome = bytes.withUnsafeBytes { FrameScanner.scan($0, path: path, dataStart: dataStart, limit: fileSize) }
            if let problem = outcome.problem { throw problem }
            throw SegmentError(.notSealed, path: path, offset: outcome.goodEnd,
                "the file ends after \(outcome.frames.count) complete data frames with no footer: truncated, or never sealed")
        }
        let (reader, undecodable, _) = try SegmentWalker.check(path: path)
        return Report(header: reader.header, footer: reader.footer, fileSize: reader.fileSize, undecodable: undecodable)
    }
}
