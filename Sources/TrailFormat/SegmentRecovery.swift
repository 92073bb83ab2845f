#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Seals an unsealed `.partial` segment left by a crash: keeps every complete, checksum-valid
/// frame, cuts the rest (and says how many bytes), writes a `recovered` footer and renames.
public enum SegmentRecovery {
    public struct Result: Sendable {
        public var sealedPath: String
        public var footer: SegmentFooter
        public var bytesCut: Int
        /// Why the cut was made (nil when nothing was cut).
        public var cutReason: String?
    }

    /// - Parameter coverage: what the kept data covers, given the header and the latest bucket
    ///   end kept (nil when no record survived).
    public static func recover(
        partialPath: String, sealedAt: String, coverage: (SegmentHeader, Int64?) -> Coverage
    ) throws(SegmentError) -> Result {
        guard partialPath.hasSuffix(SegmentLayout.sealedSuffix + SegmentLayout.partialSuffix) else {
            throw SegmentError(.invalidArgument, path: partialPath, offset: nil, "not an unsealed segment (expected a name ending in \(SegmentLayout.sealedSuffix)\(SegmentLayout.partialSuffix))")
        }
        let sealedPath = String(partialPath.dropLast(SegmentLayout.partialSuffix.count))
        let file = try FileHandleIO(path: partialPath, flags: O_RDWR)
        let fileSize = try file.size()
        let (header, dataStart) = try SegmentHeaderReader.read(file: file, fileSize: fileSize)
        if let footer = try? SegmentFooterReader.read(file: file, fileSize: fileSize) {
            // Crashed between writing the footer and the rename: the file is complete.
            try file.sync()
            try DurableRename.rename(from: partialPath, to: sealedPath)
            return Result(sealedPath: sealedPath, footer: footer, bytesCut: 0, cutReason: nil)
        }
        let bytes = try file.read(at: 0, count: fileSize)
        let outcome = bytes.withUnsafeBytes { FrameScanner.scan($0, path: partialPath, dataStart: dataStart, limit: fileSize) }
        let bytesCut = fileSize - outcome.goodEnd
        try file.truncate(to: outcome.goodEnd)
        let maxEnd = outcome.frames.map(\.maxEnd).max()
        let footer = SegmentFooter(
            recordCount: outcome.frames.reduce(0) { $0 + $1.records }, dataStart: dataStart, dataEnd: outcome.goodEnd,
            frames: outcome.frames, minStart: outcome.frames.first?.firstStart, maxEnd: maxEnd,
            seal: .recovered, sealedAt: sealedAt, recoveredBytesCut: bytesCut,
            coverage: coverage(header, maxEnd), stats: [:])
        try SegmentSealer.writeFooter(footer, to: file)
        try DurableRename.rename(from: partialPath, to: sealedPath)
        return Result(sealedPath: sealedPath, footer: footer, bytesCut: bytesCut, cutReason: bytesCut > 0 ? outcome.problem?.message : nil)
    }
}
