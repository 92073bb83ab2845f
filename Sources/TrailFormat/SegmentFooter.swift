/// What a sealed segment holds: written last, in a zstd skippable frame that ends with a
/// fixed-size trailer so a reader finds it from the end of the file.
package struct SegmentFooter: Codable, Equatable, Sendable {
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
    package enum Seal: String, Codable, Sendable {
        /// The capture ran to the end of its window.
        case complete
        /// The capture was stopped (SIGTERM/SIGINT) and sealed what it had.
        case interrupted
        /// An unsealed file left by a crash, sealed by recovery with its good frames.
        case recovered
    }

    package var recordCount: Int
    /// Offset of the first data frame (the end of the header frame) and of the footer frame.
    package var dataStart: Int
    package var dataEnd: Int
    package var frames: [FrameEntry]
    /// The earliest bucket start and the latest bucket end among the records (nil when empty).
    package var minStart: Int64?
    package var maxEnd: Int64?
    package var seal: Seal
    /// RFC 3339 UTC.
    package var sealedAt: String
    /// Bytes recovery removed from the end of an unsealed file (0 when none).
    package var recoveredBytesCut: Int
    package var coverage: Coverage
    /// Capture counters (items received, duplicates dropped, reconnects, ...), by name.
    package var stats: [String: Int64]

    package init(
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
package struct FrameEntry: Codable, Equatable, Sendable {
    enum CodingKeys: String, CodingKey {
        case offset
        case compressedSize = "compressed_size"
        case contentSize = "content_size"
        case records
        case firstStart = "first_start"
        case lastStart = "last_start"
        case maxEnd = "max_end"
    }

    package var offset: Int
    package var compressedSize: Int
    package var contentSize: Int
    package var records: Int
    /// Bucket start of the first and of the last record; the latest bucket end.
    package var firstStart: Int64
    package var lastStart: Int64
    package var maxEnd: Int64

    package init(offset: Int, compressedSize: Int, contentSize: Int, records: Int, firstStart: Int64, lastStart: Int64, maxEnd: Int64) {
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
package struct Coverage: Codable, Equatable, Sendable {
    package var captured: [TimeRange]
    package var gaps: [Gap]

    package init(captured: [TimeRange], gaps: [Gap]) {
        self.captured = captured
        self.gaps = gaps
    }

    package struct Gap: Codable, Equatable, Sendable {
        package var from: Int64
        package var to: Int64
        package var reason: String
        package init(from: Int64, to: Int64, reason: String) {
            self.from = from
            self.to = to
            self.reason = reason
        }
    }
}

/// A half-open range of Unix seconds, [from, to).
package struct TimeRange: Codable, Equatable, Hashable, Sendable {
    package var from: Int64
    package var to: Int64
    package init(from: Int64, to: Int64) {
        self.from = from
        self.to = to
    }
}
