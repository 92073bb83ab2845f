import ArgumentParser
import Foundation
import GoldmaneAPI
import SwiftProtobuf
import TrailFormat

struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Show a sealed segment's header, footer and counts; optionally its records.",
        discussion: """
            Without options: a readable summary. --json prints {"header": ..., "footer": ...}. \
            --records prints one JSON line per record: its frame, its index, the FlowResult in \
            protobuf's JSON mapping, and with --raw its exact archived bytes in base64.
            """)

    @Argument(help: "The segment file (*.seg), or s3://BUCKET/KEY.seg.")
    var segment: String

    @Flag(help: "Print the header and footer as JSON.")
    var json = false

    @Flag(help: "Print every record as a JSON line.")
    var records = false

    @Flag(help: "With --records: add each record's exact bytes (base64).")
    var raw = false

    func run() throws {
        let reader: SegmentReader
        // Every check verify makes, before anything is shown: a summary of a file verify
        // refuses would present damaged data as good.
        reader = try SegmentReader(path: segment)
        if !records { _ = try SegmentWalker.check(path: segment) }
        if records {
            try printRecords(reader)
        } else if json {
            let encoder = CanonicalJSON.encoder()
            encoder.outputFormatting.insert(.prettyPrinted)
            let document = InspectDocument(header: reader.header, footer: reader.footer, fileSize: reader.fileSize)
            print(String(decoding: try encoder.encode(document), as: UTF8.self))
        } else {
            print(SegmentDescription.render(header: reader.header, footer: reader.footer, path: segment, fileSize: reader.fileSize))
        }
    }

    /// One JSON line per record, through the shared walker (every check `verify` makes). A
    /// record that does not decode is shown with its location and the decoder's reason,
    /// and the walk goes on: it is what Goldmane sent, not damage to the archive.
    private func printRecords(_ reader: SegmentReader) throws {
        var options = JSONEncodingOptions()
        options.preserveProtoFieldNames = true
        let walker = SegmentWalker(reader: reader)
        var undecodable = 0
        while true {
            guard try walker.next() else { break }
            let location = walker.location
            let bytes = Array(walker.record)
            var line = "{\"frame\":\(location.frame),\"record\":\(location.record),\"offset\":\(location.byteInFrame)"
            do {
                let message = try Goldmane_FlowResult(serializedBytes: bytes)
                line += ",\"flow_result\":\(try message.jsonString(options: options))"
            } catch {
                undecodable += 1
                line += ",\"error\":" + String(decoding: (try? CanonicalJSON.encode("not a valid FlowResult: \(error)")) ?? Array("\"not a valid FlowResult\"".utf8), as: UTF8.self)
                Diagnostics.warning("\(location): not a valid FlowResult (\(error))")
            }
            if raw { line += ",\"bytes\":\"\(Data(bytes).base64EncodedString())\"" }
            print(line + "}")
        }
        if undecodable > 0 {
            Diagnostics.warning("\(segment): \(undecodable) records do not decode as FlowResult (shown with \"error\"); the segment itself is sound")
        }
    }
}

struct InspectDocument: Encodable {
    enum CodingKeys: String, CodingKey {
        case header, footer
        case fileSize = "file_size"
    }

    var header: SegmentHeader
    var footer: SegmentFooter
    var fileSize: Int
}

enum SegmentDescription {
    static func render(header: SegmentHeader, footer: SegmentFooter, path: String, fileSize: Int) -> String {
        let raw = footer.frames.reduce(0) { $0 + $1.contentSize }
        let perRecord = footer.recordCount > 0 ? String(format: "%.1f", Double(fileSize) / Double(footer.recordCount)) : "-"
        let gaps = footer.coverage.gaps.isEmpty ? "none"
            : footer.coverage.gaps.map { "\(UTCTime.rfc3339($0.from)) to \(UTCTime.rfc3339($0.to)) (\($0.reason))" }.joined(separator: "; ")
        var lines = [
            "segment   \(path)",
            "format    \(header.format) v\(header.formatVersion), records are \(header.recordType) (\(header.schema))",
            "cluster   \(header.cluster)",
            "capture   \(header.captureId) from \(header.endpoint) by \(header.tool), created \(header.createdAt)",
            "window    \(UTCTime.rfc3339(header.windowStart)) to \(UTCTime.rfc3339(header.windowEnd)) (\(Self.seconds(from: header.windowStart, to: header.windowEnd)) s)",
            "records   \(footer.recordCount) in \(footer.frames.count) frames; \(fileSize) bytes on disk, \(raw) uncompressed, \(perRecord) bytes per record",
            "data      \(footer.minStart.map(UTCTime.rfc3339) ?? "-") to \(footer.maxEnd.map(UTCTime.rfc3339) ?? "-")",
            "seal      \(footer.seal.rawValue) at \(footer.sealedAt)\(footer.recoveredBytesCut > 0 ? ", \(footer.recoveredBytesCut) bytes cut by recovery" : "")",
            "captured  \(footer.coverage.captured.map { "\(UTCTime.rfc3339($0.from)) to \(UTCTime.rfc3339($0.to))" }.joined(separator: "; "))",
            "gaps      \(gaps)",
        ]
        if !footer.stats.isEmpty {
            lines.append("stats     " + footer.stats.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " "))
        }
        if let replaces = header.replaces {
            lines.append("replaces  \(replaces.count) segments (a compacted day segment):")
            lines += replaces.map { "          \($0.segment) \($0.sha256)" }
        }
        return lines.joined(separator: "\n")
    }

    /// `to - from` as text; "?" when a hostile header's times are too far apart for Int64.
    static func seconds(from: Int64, to: Int64) -> String {
        let (difference, overflow) = to.subtractingReportingOverflow(from)
        return overflow ? "?" : String(difference)
    }
}
