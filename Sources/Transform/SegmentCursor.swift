import TrailFormat

/// Feeds the merge the records of one sealed segment, in bucket order, through the shared
/// `SegmentWalker` (so transform applies every check `verify` applies). Records that are
/// not FlowResult messages, or whose bucket times are not sane (`BucketTime`), are counted
/// as drops with their location and never become the current record: a wire value can
/// neither stop the fold nor reach a projection.
final class SegmentCursor {
    let walker: SegmentWalker
    private let fold: EdgeFold
    private let windowEnd: Int64
    @exclusivity(unchecked) private(set) var record = UnsafeRawBufferPointer(start: nil, count: 0)
    @exclusivity(unchecked) private(set) var view = FlowRecordView()
    /// The current record's FlowKey hash (`KeyHash`), when its frame's keys were hashed.
    @exclusivity(unchecked) private(set) var keyHash: UInt64? = nil
    @exclusivity(unchecked) private(set) var isExhausted = false
    /// The span of the records that passed the checks: the segment's data range as loaded
    /// (its footer's range may include items that were dropped).
    @exclusivity(unchecked) private var acceptedMinStart: Int64? = nil
    @exclusivity(unchecked) private var acceptedMaxEnd: Int64? = nil

    init(path: String, fold: EdgeFold) throws(SegmentError) {
        walker = try SegmentWalker(path: path, keyHashing: fold.keyHashing)
        self.fold = fold
        windowEnd = walker.reader.header.windowEnd
        try advance()
    }

    var reader: SegmentReader { walker.reader }

    /// Asks the cache for what the fold will look up for the records a little ahead of the
    /// current one, in stages (the slot, then the key's entry and state, then its bytes), so
    /// that the lookups' cache misses overlap instead of following one another.
    @inline(__always)
    func prefetchAhead() {
        if let hash = walker.keyHash(ahead: Self.slotDistance) { fold.prefetch(slotOf: hash) }
        if let hash = walker.keyHash(ahead: Self.entryDistance) { fold.prefetch(entryOf: hash) }
        if let hash = walker.keyHash(ahead: Self.bytesDistance) { fold.prefetch(bytesOf: hash) }
    }

    static let slotDistance = 40
    static let entryDistance = 20
    static let bytesDistance = 8

    /// The bucket start of the current record.
    var start: Int64 { view.startTime }

    /// Folds this segment's records of `bucket`, from the current one on: the merge's inner
    /// loop, here so that it runs on this cursor's own state.
    func foldBucket(_ bucket: Int64) throws(SegmentError) {
        while !isExhausted && view.startTime == bucket {
            if keyHash != nil { prefetchAhead() }
            fold.add(record: record, view: view, keyHash: keyHash)
            if fold.lastDropped == .malformed { fold.locateMalformed(at: walker.location) }
            try advance()
        }
    }

    func advance() throws(SegmentError) {
        while try walker.next() {
            guard walker.isParsed else {
                fold.dropRecord(.malformed, at: walker.location, detail: "not a FlowResult message")
                continue
            }
            let parsed = walker.view
            if let problem = BucketTime.check(start: parsed.startTime, end: parsed.endTime, windowEnd: windowEnd) {
                fold.dropRecord(.badBucketTime, at: walker.location,
                                detail: "bucket \(parsed.startTime) to \(parsed.endTime) is \(problem.rawValue)")
                continue
            }
            record = walker.record
            view = parsed
            keyHash = walker.keyHash
            acceptedMinStart = min(acceptedMinStart ?? parsed.startTime, parsed.startTime)
            acceptedMaxEnd = max(acceptedMaxEnd ?? parsed.endTime, parsed.endTime)
            return
        }
        isExhausted = true
        fold.noteDataRange(path: walker.path, minStart: acceptedMinStart, maxEnd: acceptedMaxEnd)
    }
}
