#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes one segment: the header at creation, records into independent checksummed zstd
/// frames, and on `seal` the footer, then fsync + rename + directory fsync.
///
/// The file lives under `<final>.partial` until sealed, so a reader never takes a file in
/// progress for a sealed one; after a crash, `SegmentRecovery` keeps its complete frames.
/// Records must arrive in non-decreasing bucket-start order (the format's invariant).
package final class SegmentWriter {
    package struct Options: Sendable {
        /// Uncompressed bytes at which a frame is cut.
        package var frameTarget: Int
        package var compressionLevel: Int32
        /// fsync after every frame (a power loss then loses at most the frame being built).
        package var syncEveryFrame: Bool

        package init(frameTarget: Int = SegmentLayout.defaultFrameTarget, compressionLevel: Int32 = 6, syncEveryFrame: Bool = true) {
            self.frameTarget = frameTarget
            self.compressionLevel = compressionLevel
            self.syncEveryFrame = syncEveryFrame
        }
    }

    package let finalPath: String
    package let partialPath: String
    package let header: SegmentHeader
    let options: Options
    let file: FileHandleIO
    let dataStart: Int
    var offset: Int
    var frames: [FrameEntry] = []
    var recordCount = 0
    var pending: [UInt8] = []
    var pendingRecords = 0
    var pendingFirstStart: Int64 = 0
    var pendingMaxEnd: Int64 = .min
    var lastStart: Int64 = .min
    var sealed = false

    /// Creates `<finalPath>.partial` (which must not exist) and writes the header.
    package init(finalPath: String, header: SegmentHeader, options: Options = Options()) throws(SegmentError) {
        guard finalPath.hasSuffix(SegmentLayout.sealedSuffix) else {
            throw SegmentError(.invalidArgument, path: finalPath, offset: nil, "a segment's name must end in \(SegmentLayout.sealedSuffix)")
        }
        self.finalPath = finalPath
        partialPath = finalPath + SegmentLayout.partialSuffix
        self.header = header
        self.options = options
        file = try FileHandleIO(path: partialPath, flags: O_WRONLY | O_CREAT | O_EXCL)
        let json: [UInt8]
        do { json = try CanonicalJSON.encode(header) } catch {
            throw SegmentError(.invalidArgument, path: finalPath, offset: nil, "cannot encode the header: \(error)")
        }
        let headerFrame = SkippableFrame.encodeHeader(json: json)
        try file.write(headerFrame)
        try file.sync()
        try DurableRename.syncDirectory(of: partialPath)
        dataStart = headerFrame.count
        offset = dataStart
        pending.reserveCapacity(min(options.frameTarget, SegmentLayout.defaultFrameTarget) + 4096)
    }

    /// Buffers one record (a FlowResult's bytes, exactly as received). Cuts a frame first when
    /// the record would take the pending frame past the target size: a frame's content never
    /// exceeds the target unless one record alone does.
    package func append(record: UnsafeRawBufferPointer, startTime: Int64, endTime: Int64) throws(SegmentError) {
        guard record.count <= SegmentLayout.maxRecordSize else {
            throw SegmentError(.invalidArgument, path: partialPath, offset: offset, "record of \(record.count) bytes exceeds the \(SegmentLayout.maxRecordSize)-byte limit")
        }
        guard startTime >= lastStart else {
            throw SegmentError(.outOfOrder, path: partialPath, offset: offset, "record with bucket start \(startTime) after one with \(lastStart): records must be in bucket order")
        }
        if pendingRecords > 0 && (pending.count + Varint.size(UInt64(record.count)) + record.count > min(options.frameTarget, SegmentLayout.maxFrameContentSize)
                                  || pendingRecords >= SegmentLayout.maxRecordsPerFrame) {
            try flushFrame()
        }
        if pendingRecords == 0 { pendingFirstStart = startTime }
        Varint.append(UInt64(record.count), to: &pending)
        pending.append(contentsOf: record)
        pendingRecords += 1
        pendingMaxEnd = max(pendingMaxEnd, endTime)
        lastStart = startTime
    }

    package func append(record: [UInt8], startTime: Int64, endTime: Int64) throws(SegmentError) {
        let result = record.withUnsafeBytes { bytes in
            Result { () throws(SegmentError) in try append(record: bytes, startTime: startTime, endTime: endTime) }
        }
        try result.get()
    }

    /// Compresses the pending records into one frame and writes it. A capture calls this at
    /// the end of every bucket so that a crash loses at most the bucket being received.
    package func flushFrame() throws(SegmentError) {
        guard pendingRecords > 0 else { return }
        let level = options.compressionLevel
        let result = pending.withUnsafeBytes { bytes in
            Result { () throws(ZstdError) in try Zstd.compressFrame(bytes, level: level) }
        }
        let compressed: [UInt8]
        switch result {
        case .success(let frame): compressed = frame
        case .failure(let error): throw SegmentError(.io, path: partialPath, offset: offset, error.description)
        }
        try file.write(compressed)
        if options.syncEveryFrame { try file.sync() }
        frames.append(FrameEntry(
            offset: offset, compressedSize: compressed.count, contentSize: pending.count, records: pendingRecords,
            firstStart: pendingFirstStart, lastStart: lastStart, maxEnd: pendingMaxEnd))
        offset += compressed.count
        recordCount += pendingRecords
        pending.removeAll(keepingCapacity: true)
        pendingRecords = 0
        pendingMaxEnd = .min
    }

    package var recordsWritten: Int { recordCount + pendingRecords }

    /// Uncompressed bytes waiting for the next frame.
    package var pendingBytes: Int { pending.count }

    /// Writes the footer, syncs, renames `<final>.partial` to `<final>` and syncs the directory.
    @discardableResult
    package func seal(seal kind: SegmentFooter.Seal = .complete, sealedAt: String, coverage: Coverage, stats: [String: Int64] = [:]) throws(SegmentError) -> SegmentFooter {
        guard !sealed else { throw SegmentError(.invalidArgument, path: finalPath, offset: nil, "segment already sealed") }
        try flushFrame()
        let footer = SegmentFooter(
            recordCount: recordCount, dataStart: dataStart, dataEnd: offset, frames: frames,
            minStart: frames.first?.firstStart, maxEnd: frames.map(\.maxEnd).max(),
            seal: kind, sealedAt: sealedAt, recoveredBytesCut: 0, coverage: coverage, stats: stats)
        try SegmentSealer.writeFooter(footer, to: file)
        try DurableRename.rename(from: partialPath, to: finalPath)
        sealed = true
        return footer
    }
}

/// Appends a footer and makes the file durable; shared by the writer and recovery.
enum SegmentSealer {
    static func writeFooter(_ footer: SegmentFooter, to file: FileHandleIO) throws(SegmentError) {
        let json: [UInt8]
        do { json = try CanonicalJSON.encode(footer) } catch {
            throw SegmentError(.invalidArgument, path: file.path, offset: nil, "cannot encode the footer: \(error)")
        }
        try file.write(SkippableFrame.encodeFooter(json: json))
        try file.sync()
    }
}
