#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Seals an unsealed `.partial` segment left by a crash: keeps every complete, checksum-valid
/// frame, cuts the rest (and says how many bytes), writes a `recovered` footer and renames.
package enum SegmentRecovery {
    package struct Result: Sendable {
        package var sealedPath: String
        package var footer: SegmentFooter
        package var bytesCut: Int
        /// Why the cut was made (nil when nothing was cut).
        package var cutReason: String?
    }

    /// - Parameter coverage: what the kept data covers, given the header and the latest bucket
    ///   end kept (nil when no record survived).
    /// - Parameter keepFrames: false to cut every data frame (a writer whose frames are only
    ///   trustworthy as a whole); a file already complete (a valid footer and every check
    ///   passing) is kept as it is either way.
    package static func recover(
        partialPath: String, sealedAt: String, keepFrames: Bool = true, coverage: (SegmentHeader, Int64?) -> Coverage
    ) throws(SegmentError) -> Result {
        guard partialPath.hasSuffix(SegmentLayout.sealedSuffix + SegmentLayout.partialSuffix) else {
            throw SegmentError(.invalidArgument, path: partialPath, offset: nil, "not an unsealed segment (expected a name ending in \(SegmentLayout.sealedSuffix)\(SegmentLayout.partialSuffix))")
        }
        let sealedPath = String(partialPath.dropLast(SegmentLayout.partialSuffix.count))
        let file = try FileHandleIO(path: partialPath, flags: O_RDWR)
        let fileSize = try file.size()
        let (header, dataStart) = try SegmentHeaderReader.read(file: file, fileSize: fileSize)
        if let footer = try? SegmentFooterReader.read(file: file, fileSize: fileSize),
           (try? SegmentWalker.check(path: partialPath)) != nil {
            // Crashed between writing the footer and the rename, and the whole file checks out
            // (a footer alone proves nothing: the frames before it may be damaged).
            try file.sync()
            try DurableRename.rename(from: partialPath, to: sealedPath)
            return Result(sealedPath: sealedPath, footer: footer, bytesCut: 0, cutReason: nil)
        }
        let bytes = try file.read(at: 0, count: fileSize)
        var outcome = bytes.withUnsafeBytes { FrameScanner.scan($0, path: partialPath, dataStart: dataStart, limit: fileSize) }
        if !keepFrames {
            outcome = FrameScanner.Outcome(frames: [], goodEnd: dataStart, problem: outcome.problem)
        }
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
        return Result(sealedPath: sealedPath, footer: footer, bytesCut: bytesCut, cutReason: bytesCut > 0 ? (keepFrames ? outcome.problem?.message : "frames of an unsettled window") : nil)
    }
}
