import Foundation

/// One sealed segment as the jobs know it before reading its records: where it is, its
/// identity (the SHA-256 of its bytes, as `sha256sum` prints it) and its checked header and
/// footer. Made with one open of the file: the header and footer are checked as
/// `SegmentReader` checks them, and the bytes are hashed through the same descriptor. The
/// records are read later, once, by whoever folds them.
package struct ScannedSegment: Sendable, Equatable {
    package let path: String
    package let sha256: String
    package let header: SegmentHeader
    package let footer: SegmentFooter
    package let size: Int

    package init(path: String) throws(SegmentError) {
        let reader = try SegmentReader(path: path)
        self.path = path
        sha256 = try ContentHash.sha256(file: reader.file)
        header = reader.header
        footer = reader.footer
        size = reader.fileSize
    }

    /// The SHA-256 of the segments this compacted day segment replaces (empty for others).
    package var replaces: [String] { header.replaces?.map(\.sha256) ?? [] }

    /// The UTC days its data count in (nil: no data).
    package var days: ClosedRange<Int64>? { DayRange.days(dataStart: footer.minStart, dataEnd: footer.maxEnd) }

    /// The file name: the segment's name in the ledger.
    package var name: String { (path as NSString).lastPathComponent }
}
