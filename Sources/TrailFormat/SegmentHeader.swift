/// What a segment is: written first, in a zstd skippable frame, before any data.
/// The JSON field names are the ones docs/segment-format.md documents.
package struct SegmentHeader: Codable, Equatable, Sendable {
    enum CodingKeys: String, CodingKey {
        case format
        case formatVersion = "format_version"
        case captureId = "capture_id"
        case cluster
        case endpoint
        case windowStart = "window_start"
        case windowEnd = "window_end"
        case recordType = "record_type"
        case schema
        case tool
        case createdAt = "created_at"
        case replaces
    }

    package static let formatName = "goldmane-trail-segment"
    package static let currentFormatVersion = 1
    package static let recordTypeName = "goldmane.FlowResult"

    package var format: String
    package var formatVersion: Int
    /// Unique per capture run (a UUID).
    package var captureId: String
    package var cluster: String
    /// The Goldmane endpoint the records came from (host:port), or how they were made.
    package var endpoint: String
    /// The window of bucket starts the capture was asked for: [windowStart, windowEnd), Unix seconds.
    package var windowStart: Int64
    package var windowEnd: Int64
    /// The message type of every record and the schema it was captured with.
    package var recordType: String
    package var schema: String
    package var tool: String
    /// RFC 3339 UTC.
    package var createdAt: String
    /// A compacted day segment (`compact`): the segments whose items it holds, exactly once,
    /// in place of them. Absent in a segment capture wrote.
    package var replaces: [ReplacedSegment]?

    package init(
        captureId: String, cluster: String, endpoint: String, windowStart: Int64, windowEnd: Int64,
        schema: String = "goldmane/api.proto (Calico 3.32+, schema B)", tool: String, createdAt: String
    ) {
        format = Self.formatName
        formatVersion = Self.currentFormatVersion
        self.captureId = captureId
        self.cluster = cluster
        self.endpoint = endpoint
        self.windowStart = windowStart
        self.windowEnd = windowEnd
        recordType = Self.recordTypeName
        self.schema = schema
        self.tool = tool
        self.createdAt = createdAt
    }
}

/// A segment a compacted day segment replaces: its name and the SHA-256 of its bytes (its
/// identity in the load ledger).
package struct ReplacedSegment: Codable, Equatable, Sendable {
    package var segment: String
    package var sha256: String

    package init(segment: String, sha256: String) {
        self.segment = segment
        self.sha256 = sha256
    }
}
