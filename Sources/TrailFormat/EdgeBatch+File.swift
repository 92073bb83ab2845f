import Crypto
import Foundation
import TrailSupport

extension EdgeBatch {
    /// The batch as its file bytes: header line, then row lines.
    package func encoded() throws -> [UInt8] {
        let rows = try Self.rowLines(edges: edges, wide: wide, policy: policy)
        var header = self.header
        header.rowsSha256 = Self.sha256Hex(rows)
        var bytes = try CanonicalJSON.encode(header)
        bytes.append(UInt8(ascii: "\n"))
        bytes += rows
        return bytes
    }

    /// The row lines alone; their SHA-256 is `rowsSha256`. The canonical JSON each row's
    /// Codable form gives (`CanonicalJSON`), written directly (`CanonicalRowWriter`).
    package static func rowLines(edges: [EdgeRow], wide: [WideEdgeRow], policy: [PolicyFlowRow]) throws -> [UInt8] {
        var writer = CanonicalRowWriter(capacity: (edges.count + wide.count) * 320 + policy.count * 640)
        for row in edges { row.write(to: &writer) }
        for row in wide { row.write(to: &writer) }
        for row in policy { row.write(to: &writer) }
        return writer.bytes
    }

    package static func sha256Hex(_ bytes: [UInt8]) -> String {
        hex(SHA256.hash(data: bytes))
    }

    static func hex(_ digest: SHA256.Digest) -> String {
        digest.map { byte in
            let hex = String(byte, radix: 16)
            return hex.count == 1 ? "0" + hex : hex
        }.joined()
    }

    /// Writes the batch durably and atomically (`AtomicFile`): a device or pipe (/dev/stdout,
    /// a FIFO) is written to, never replaced. The rows are made a piece at a time, so that the
    /// file's bytes are never all in memory at once. Into a regular file they are made once:
    /// the header goes first with a stand-in hash of the same length, and is written over when
    /// the rows are hashed; into a pipe, which cannot go back, they are made twice (once to
    /// hash them for the header, once to write them).
    package func write(to path: String) throws {
        var header = self.header
        header.rowsSha256 = String(repeating: "0", count: 64)
        let standIn = try Self.headerLine(header)
        try AtomicFile.write(to: path) { file throws(SegmentError) in
            let writer = UncachedWriter(file: file)
            var hasher = SHA256()
            if writer.isRegularFile {
                try writer.write(standIn)
                // The rows are made on another core while this one hashes and writes them.
                let queue = PieceQueue(depth: 4)
                let producer = OtherThread { [self] in
                    forEachRowPiece { queue.put($0) }
                    queue.close()
                }
                var failure: SegmentError?
                while let piece = queue.take() {
                    // After a failure the rest are taken and dropped, so that the producer finishes.
                    guard failure == nil else { continue }
                    hasher.update(data: piece)
                    do throws(SegmentError) { try writer.write(piece) } catch { failure = error }
                }
                producer.result()
                if let failure { throw failure }
                try writer.finish()
                header.rowsSha256 = Self.hex(hasher.finalize())
                let line = try Self.headerLine(header, path: file.path)
                precondition(line.count == standIn.count, "a batch header whose length depends on its hash")
                try writer.overwrite(line, at: 0)
            } else {
                forEachRowPiece { hasher.update(data: $0) }
                header.rowsSha256 = Self.hex(hasher.finalize())
                try writer.write(try Self.headerLine(header, path: file.path))
                var failure: SegmentError?
                forEachRowPiece { piece in
                    guard failure == nil else { return }
                    do throws(SegmentError) { try writer.write(piece) } catch { failure = error }
                }
                if let failure { throw failure }
                try writer.finish()
            }
        }
    }

    /// The header's line: its canonical JSON and a newline.
    static func headerLine(_ header: BatchHeader) throws -> [UInt8] {
        var line = try CanonicalJSON.encode(header)
        line.append(UInt8(ascii: "\n"))
        return line
    }

    /// The same, for a header already encoded once (it cannot fail then).
    private static func headerLine(_ header: BatchHeader, path: String) throws(SegmentError) -> [UInt8] {
        do { return try headerLine(header) } catch {
            throw SegmentError(.io, path: path, offset: 0, "cannot encode the batch header: \(error)")
        }
    }

    /// The row lines, in pieces of a few thousand rows (the writer's buffer reused).
    func forEachRowPiece(_ body: ([UInt8]) -> Void) {
        let rowsPerPiece = 4096
        var writer = CanonicalRowWriter(capacity: rowsPerPiece * 640)
        var rows = 0
        // After each row: a full piece goes to `body`.
        func flushIfFull(_ writer: inout CanonicalRowWriter) {
            rows += 1
            guard rows == rowsPerPiece else { return }
            body(writer.bytes)
            writer.removeAll()
            rows = 0
        }
        for row in edges { row.write(to: &writer); flushIfFull(&writer) }
        for row in wide { row.write(to: &writer); flushIfFull(&writer) }
        for row in policy { row.write(to: &writer); flushIfFull(&writer) }
        if writer.count > 0 { body(writer.bytes) }
    }

    /// Reads a batch file, naming the line of the first problem.
    package static func read(path: String) throws -> EdgeBatch {
        let bytes: [UInt8]
        do { bytes = Array(try Data(contentsOf: URL(fileURLWithPath: path))) } catch {
            throw EdgeBatchError(path: path, line: nil, message: "cannot read: \(error.localizedDescription)")
        }
        var lines: [Range<Int>] = []
        var start = 0
        for (index, byte) in bytes.enumerated() where byte == UInt8(ascii: "\n") {
            if index > start { lines.append(start..<index) }
            start = index + 1
        }
        if start < bytes.count { lines.append(start..<bytes.count) }
        guard let first = lines.first else { throw EdgeBatchError(path: path, line: 1, message: "the file is empty") }
        // The kind and version first: an older batch lacks fields this build requires.
        struct Version: Decodable {
            var kind: String
            var formatVersion: Int
            enum CodingKeys: String, CodingKey { case kind, formatVersion = "format_version" }
        }
        guard let version = try? CanonicalJSON.decode(Version.self, from: bytes[first]), version.kind == "batch" else {
            throw EdgeBatchError(path: path, line: 1, message: "not an edge batch header (no \"kind\": \"batch\" with a format_version)")
        }
        guard version.formatVersion == formatVersion else {
            throw EdgeBatchError(path: path, line: 1, message: "batch format version \(version.formatVersion), this build reads version \(formatVersion): transform the segments again with this build")
        }
        let header: BatchHeader
        do { header = try CanonicalJSON.decode(BatchHeader.self, from: bytes[first]) } catch {
            throw EdgeBatchError(path: path, line: 1, message: "not an edge batch header: \(error)")
        }
        let counts = [header.edgeRows, header.wideRows, header.policyRows]
        var total = 0
        for count in counts {
            let (sum, overflow) = total.addingReportingOverflow(count)
            guard count >= 0, !overflow else {
                throw EdgeBatchError(path: path, line: 1, message: "row counts \(counts.map(String.init).joined(separator: ", ")) are not counts of a file's lines")
            }
            total = sum
        }
        let rowLines = lines.dropFirst()
        guard rowLines.count == total else {
            throw EdgeBatchError(path: path, line: nil, message: "holds \(rowLines.count) rows, its header says \(header.edgeRows) edge, \(header.wideRows) wide and \(header.policyRows) policy rows: truncated?")
        }
        // The rows as they are in the file must hash to the header's rows_sha256.
        guard sha256Hex(Array(bytes[min(first.upperBound + 1, bytes.count)...])) == header.rowsSha256 else {
            throw EdgeBatchError(path: path, line: nil, message: "rows do not match the header's rows_sha256: the file was altered or truncated")
        }
        var edges: [EdgeRow] = []
        var wide: [WideEdgeRow] = []
        var policy: [PolicyFlowRow] = []
        edges.reserveCapacity(header.edgeRows)
        wide.reserveCapacity(header.wideRows)
        policy.reserveCapacity(header.policyRows)
        let wideEnd = header.edgeRows + header.wideRows
        try bytes.withUnsafeBytes { raw in
            for (index, range) in rowLines.enumerated() {
                let fields = FlatJSON.parse(UnsafeRawBufferPointer(rebasing: raw[range]))
                let section: RowSection = index < header.edgeRows ? .edge : index < wideEnd ? .wide : .policy
                switch section {
                case .edge: if let row = fields.flatMap(EdgeRow.init(fields:)) { edges.append(row); continue }
                case .wide: if let row = fields.flatMap(WideEdgeRow.init(fields:)) { wide.append(row); continue }
                case .policy: if let row = fields.flatMap(PolicyFlowRow.init(fields:)) { policy.append(row); continue }
                }
                throw EdgeBatchError(path: path, line: index + 2, message: rowProblem(bytes[range], section: section))
            }
        }
        return EdgeBatch(header: header, edges: edges, wide: wide, policy: policy)
    }
}

extension EdgeBatch {
    enum RowSection { case edge, wide, policy }

    /// Why a row line is not the row it should be (edge rows first, then wide, then policy rows).
    static func rowProblem(_ line: ArraySlice<UInt8>, section: RowSection) -> String {
        let kind = switch section { case .edge: "an edge"; case .wide: "a wide"; case .policy: "a policy" }
        do {
            switch section {
            case .edge: _ = try CanonicalJSON.decode(EdgeRow.self, from: line)
            case .wide: _ = try CanonicalJSON.decode(WideEdgeRow.self, from: line)
            case .policy: _ = try CanonicalJSON.decode(PolicyFlowRow.self, from: line)
            }
            return "not \(kind) row (edge rows come first, then wide rows, then policy rows, with exactly their fields)"
        } catch {
            return "not \(kind) row: \(error)"
        }
    }
}

package struct EdgeBatchError: Error, CustomStringConvertible {
    package var path: String
    package var line: Int?
    package var message: String
    package var description: String {
        "\(path)\(line.map { ":\($0)" } ?? ""): \(message)"
    }
}
