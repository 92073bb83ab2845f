import Foundation
import TrailFormat

/// Writes small segments for tests.
package enum SegmentFixture {
    package static func header(cluster: String = "test", windowStart: Int64, windowEnd: Int64) -> SegmentHeader {
        SegmentHeader(
            captureId: "fixture-\(windowStart)", cluster: cluster, endpoint: "fixture", windowStart: windowStart, windowEnd: windowEnd,
            tool: "goldmane-trail test", createdAt: UTCTime.rfc3339(windowStart))
    }

    /// Writes `records` (bytes with their bucket start) into a sealed segment at `path`,
    /// cutting a frame every `recordsPerFrame` records (nil: by size only).
    @discardableResult
    package static func write(
        _ records: [(bytes: [UInt8], start: Int64)], to path: String, windowStart: Int64, windowEnd: Int64,
        recordsPerFrame: Int? = nil, options: SegmentWriter.Options = .init(syncEveryFrame: false), cluster: String = "test"
    ) throws -> SegmentFooter {
        let writer = try SegmentWriter(finalPath: path, header: header(cluster: cluster, windowStart: windowStart, windowEnd: windowEnd), options: options)
        for (index, record) in records.enumerated() {
            try writer.append(record: record.bytes, startTime: record.start, endTime: record.start + 15)
            if let recordsPerFrame, (index + 1) % recordsPerFrame == 0 { try writer.flushFrame() }
        }
        return try writer.seal(
            sealedAt: UTCTime.rfc3339(windowEnd + 45),
            coverage: Coverage(captured: [TimeRange(from: windowStart, to: windowEnd)], gaps: []))
    }

    /// Every record of a sealed segment, in order.
    package static func records(of path: String) throws -> [[UInt8]] {
        let reader = try SegmentReader(path: path)
        var all: [[UInt8]] = []
        for index in 0..<reader.frameCount {
            let frame = try reader.readFrame(index)
            for record in 0..<frame.recordCount { all.append(Array(frame.record(record))) }
        }
        return all
    }

    /// The repository's root (for samples/ and docs/), found from this file's path.
    package static var repositoryRoot: String {
        var url = URL(fileURLWithPath: #filePath)
        while url.path != "/" {
            url.deleteLastPathComponent()
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) { return url.path }
        }
        return FileManager.default.currentDirectoryPath
    }
}
