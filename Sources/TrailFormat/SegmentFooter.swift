/// What a sealed segment holds: written last, in a zstd skippable frame that ends with a
/// fixed-size trailer so a reader finds it from the end of the file.
public struct SegmentFooter: Codable, Equatable, Sendable {
    enum CodingKeys: String, CodingKey {
        case recordCount = "record_count"
        case dataStart = "data_start"
        case dataEnd = "data_end"
        case frames
        case minStart = "min_start"
        case maxEnd = "max_end"
        case seal
        case sealedAt = "sealed_at"
        case recoveredBytesCut = "recovered_bytes_cut"
        case coverage
        case stats
    }

    /// How the segment came to be sealed.
    public enum Seal: String, Codable, Sendable {
        /// The capture ran to the end of its window.
        case complete
        /// The capture was stopped (SIGTERM/SIGINT) and sealed what it had.
        case interrupted
        /// An unsealed file left by a crash, sealed by recovery with its good frames.
        case recovered
    }

    public var recordCount: Int
    /// Offset of the first data frame (the end of the header frame) and of the footer frame.
    public var dataStart: Int
    public var dataEnd: Int
    public var frames: [FrameEntry]
    /// The earliest bucket start and the latest bucket end among the records (nil when empty).
    public var minStart: Int64?
    public var maxEnd: Int64?
    public var seal: Seal
    /// RFC 3339 UTC.
    public var sealedAt: String
    /// Bytes recovery removed from the end of an unsealed file (0 when none).
    public var recoveredBytesCut: Int
    public var coverage: Coverage
    /// Capture counters (items received, duplicates dropped, reconnects, ...), by name.
    public var stats: [String: Int64]

    public init(
        recordCount: Int, dataStart: Int, dataEnd: Int, frames: [FrameEntry], minStart: Int64?, maxEnd: Int64?,
        seal: Seal, sealedAt: String, recoveredBytesCut: Int, coverage: Coverage, stats: [String: Int64]
    ) {
        self.recordCount = recordCount
        self.dataStart = dataStart
        self.dataEnd = dataEnd
        self.frames = frames
        self.minStart = minStart
        self.maxEnd = maxEnd
        self.seal = seal
        self.sealedAt = sealedAt
        self.recoveredBytesCut = recoveredBytesCut
        self.coverage = coverage
        self.stats = stats
    }
}

/// One data frame in the footer's frame table.
public struct FrameEntry: Codable, Equatable, Sendable {
    enum CodingKeys: String, CodingKey {
        case offset
        case compressedSize = "compressed_size"
        case contentSize = "content_size"
        case records
        case firstStart = "first_start"
        case lastStart = "last_start"
        case maxEnd = "max_end"
    }

    public var offset: Int
    public var compressedSize: Int
    public var contentSize: Int
    public var records: Int
    /// Bucket start of the first and of the last record; the latest bucket end.
    public var firstStart: Int64
    public var lastStart: Int64
    public var maxEnd: Int64

    public init(offset: Int, compressedSize: Int, contentSize: Int, records: Int, firstStart: Int64, lastStart: Int64, maxEnd: Int64) {
        self.offset = offset
        self.compressedSize = compressedSize
        self.contentSize = contentSize
        self.records = records
        self.firstStart = firstStart
        self.lastStart = lastStart
        self.maxEnd = maxEnd
    }
}

/// Which time ranges of the window were captured and which were not. A gap is explicit.
public struct Coverage: Codable, Equatable, Sendable {
    public var captured: [TimeRange]
    public var gaps: [Gap]

    public init(captured: [TimeRange], gaps: [Gap]) {
        self.captured = captured
        self.gaps = gaps
    }

    public struct Gap: Codable, Equatable, Sendable {
        public var from: Int64
        public var to: Int64
        public var reason: String
        public init(from: Int64, to: Int64, reason: String) {
            self.from = from
            self.to = to
            self.reason = reason
        }
    }
}

/// A half-open range of Unix seconds, [from, to).
public struct TimeRange: Codable, Equatable, Hashable, Sendable {
    public var from: Int64
    public var to: Int64
    public init(from: Int64, to: Int64) {
        self.from = from
        self.to = to
    }
}
