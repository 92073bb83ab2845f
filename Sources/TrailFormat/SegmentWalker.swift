/// Where one record is: the file, its data frame (index and byte offset in the file), its
/// index in the frame and its byte offset in the frame's decompressed content.
package struct RecordLocation: Sendable, Equatable, CustomStringConvertible {
    package var path: String
    package var frame: Int
    package var frameOffset: Int
    package var record: Int
    package var byteInFrame: Int

    package init(path: String, frame: Int, frameOffset: Int, record: Int, byteInFrame: Int) {
        self.path = path
        self.frame = frame
        self.frameOffset = frameOffset
        self.record = record
        self.byteInFrame = byteInFrame
    }

    package var description: String {
        "\(path): data frame \(frame) at byte \(frameOffset), record \(record) at byte \(byteInFrame) of the frame's content"
    }
}

/// Reads a sealed segment record by record, one frame in memory at a time, applying every
/// check the format defines: the one definition of a good segment that `verify`, `inspect`,
/// `transform` and `etl` share. Opening checks the header, the footer and its frame table
/// (`SegmentReader`); each frame is checked against its table entry (size, content size,
/// zstd content checksum, record count, first and last bucket start, latest end); records
/// must come in bucket order; at the end the footer's `min_start` and `max_end` must match.
///
/// A record whose bytes are not a FlowResult message, inside a sound frame, is what
/// Goldmane sent, not damage to the archive: it is handed out with `isParsed == false` and
/// its location, for the caller to count; it takes no part in the order and time checks.
package final class SegmentWalker {
    package let reader: SegmentReader
    /// The next frame, decompressed on another thread while this one is walked.
    private let frames: FramePrefetch
    // One walker is used from one thread: no dynamic exclusivity checks on the per-record path.
    @exclusivity(unchecked) private var frame: DecodedFrame?
    @exclusivity(unchecked) private var frameIndex = -1
    @exclusivity(unchecked) private var recordIndex = 0
    @exclusivity(unchecked) private var lastStart: Int64 = .min
    @exclusivity(unchecked) private var frameFirst: Int64? = nil
    @exclusivity(unchecked) private var frameLast: Int64 = 0
    @exclusivity(unchecked) private var frameMaxEnd: Int64 = .min
    @exclusivity(unchecked) private var overallMaxEnd: Int64? = nil
    @exclusivity(unchecked) private var overallMinStart: Int64? = nil

    // The current record. Read from other modules through the getters below, which run here,
    // where the stored properties' accesses are not checked dynamically (a module's direct
    // access to another's stored property is, on every record).
    @exclusivity(unchecked) private var currentRecord = UnsafeRawBufferPointer(start: nil, count: 0)
    @exclusivity(unchecked) private var currentView = FlowRecordView()
    @exclusivity(unchecked) private var currentIsParsed = false
    @exclusivity(unchecked) private var currentKeyHash: UInt64? = nil

    /// The current record's bytes: valid until the next call to `next()`.
    package var record: UnsafeRawBufferPointer { currentRecord }
    /// The current record's fields (meaningful when `isParsed`).
    package var view: FlowRecordView { currentView }
    /// False when the current record's bytes are not a FlowResult message.
    package var isParsed: Bool { currentIsParsed }
    /// The current record's FlowKey `KeyHash`, when its frame's keys were hashed (meaningful
    /// when `isParsed` and `view.hasKey`).
    package var keyHash: UInt64? { currentKeyHash }

    /// The FlowKey hash of the record `distance` after the current one, when it is in the
    /// current frame (for a lookup made ahead of time; nil past the frame's end).
    @inline(__always)
    package func keyHash(ahead distance: Int) -> UInt64? {
        frame?.keyHash(recordIndex - 1 + distance)
    }

    /// `keyHashing`: whether the frames' FlowKeys are hashed as they are parsed (`keyHash`).
    package init(path: String, keyHashing: KeyHashing? = nil) throws(SegmentError) {
        reader = try SegmentReader(path: path)
        frames = FramePrefetch(reader: reader, keyHashing: keyHashing)
    }

    package init(reader: SegmentReader) {
        self.reader = reader
        frames = FramePrefetch(reader: reader)
    }

    package var path: String { reader.path }

    /// Where the current record is.
    package var location: RecordLocation {
        let offset = frameIndex >= 0 && frameIndex < reader.frameCount ? reader.footer.frames[frameIndex].offset : reader.fileSize
        let byte = frame.map { recordIndex > 0 && recordIndex <= $0.recordCount ? $0.recordOffset(recordIndex - 1) : 0 } ?? 0
        return RecordLocation(path: reader.path, frame: frameIndex, frameOffset: offset, record: recordIndex - 1, byteInFrame: byte)
    }

    /// Moves to the next record; false after the last one (the footer's totals then checked).
    package func next() throws(SegmentError) -> Bool {
        while true {
            if let frame, recordIndex < frame.recordCount {
                currentRecord = frame.record(recordIndex)
                recordIndex += 1
                guard let parsed = frame.view(recordIndex - 1) else {
                    currentIsParsed = false
                    currentView = FlowRecordView()
                    return true
                }
                guard parsed.startTime >= lastStart else {
                    throw SegmentError(.outOfOrder, path: reader.path, offset: reader.footer.frames[frameIndex].offset,
                        "record \(recordIndex - 1) of data frame \(frameIndex) has bucket start \(parsed.startTime), before \(lastStart): records must be in bucket order")
                }
                lastStart = parsed.startTime
                if frameFirst == nil { frameFirst = parsed.startTime }
                frameLast = parsed.startTime
                frameMaxEnd = max(frameMaxEnd, parsed.endTime)
                currentIsParsed = true
                currentView = parsed
                currentKeyHash = frame.keyHash(recordIndex - 1)
                return true
            }
            if frameIndex >= 0 { try checkFrameTotals() }
            frameIndex += 1
            guard frameIndex < reader.frameCount else {
                frame = nil
                try checkFooterTotals()
                return false
            }
            // The walker is done with the current frame's records: its buffer takes the one after.
            frame = try frames.frame(frameIndex, spare: frame)
            recordIndex = 0
            frameFirst = nil
            frameMaxEnd = .min
        }
    }

    private func checkFrameTotals() throws(SegmentError) {
        let entry = reader.footer.frames[frameIndex]
        // A frame with no parseable record has no times to check (no writer of ours makes
        // one): its entry's claims are taken as they are.
        guard let first = frameFirst else {
            overallMinStart = overallMinStart ?? entry.firstStart
            overallMaxEnd = max(overallMaxEnd ?? entry.maxEnd, entry.maxEnd)
            return
        }
        guard entry.firstStart == first, entry.lastStart == frameLast, entry.maxEnd == frameMaxEnd else {
            throw SegmentError(.footerMismatch, path: reader.path, offset: entry.offset,
                "data frame \(frameIndex) holds bucket starts \(first) to \(frameLast) ending by \(frameMaxEnd); its footer entry says \(entry.firstStart) to \(entry.lastStart) ending by \(entry.maxEnd)")
        }
        overallMinStart = overallMinStart ?? first
        overallMaxEnd = max(overallMaxEnd ?? frameMaxEnd, frameMaxEnd)
    }

    private func checkFooterTotals() throws(SegmentError) {
        let footer = reader.footer
        guard footer.minStart == overallMinStart, footer.maxEnd == overallMaxEnd else {
            throw SegmentError(.footerMismatch, path: reader.path, offset: footer.dataEnd,
                "the footer says the data spans min_start \(footer.minStart.map(String.init) ?? "null") to max_end \(footer.maxEnd.map(String.init) ?? "null"); the records span \(overallMinStart.map(String.init) ?? "null") to \(overallMaxEnd.map(String.init) ?? "null")")
        }
    }

    /// Walks the whole segment; returns the locations of records the fold cannot use (not a
    /// FlowResult message, or no well-formed FlowKey with UTF-8 strings).
    package static func check(path: String) throws(SegmentError) -> (reader: SegmentReader, undecodable: [RecordLocation], records: Int) {
        let walker = try SegmentWalker(path: path)
        var undecodable: [RecordLocation] = []
        var records = 0
        while try walker.next() {
            records += 1
            // Deeper than the walker goes on the hot path: the FlowKey too, as the fold reads it.
            if !walker.isParsed || !walker.view.hasKey || FlowKeyView(walker.record, range: walker.view.keyRange) == nil {
                undecodable.append(walker.location)
            }
        }
        return (walker.reader, undecodable, records)
    }
}
