import Crypto
import Foundation

extension EdgeBatch {
    /// The batch as its file bytes: header line, then row lines.
    public func encoded() throws -> [UInt8] {
        let rows = try Self.rowLines(edges: edges, wide: wide)
        var header = self.header
        header.rowsSha256 = Self.sha256Hex(rows)
        var bytes = try CanonicalJSON.encode(header)
        bytes.append(UInt8(ascii: "\n"))
        bytes += rows
        return bytes
    }

    /// The row lines alone; their SHA-256 is `rowsSha256`.
    public static func rowLines(edges: [EdgeRow], wide: [WideEdgeRow]) throws -> [UInt8] {
        let encoder = CanonicalJSON.encoder()
        var bytes: [UInt8] = []
        for row in edges {
            bytes += try encoder.encode(row)
            bytes.append(UInt8(ascii: "\n"))
        }
        for row in wide {
            bytes += try encoder.encode(row)
            bytes.append(UInt8(ascii: "\n"))
        }
        return bytes
    }

    public static func sha256Hex(_ bytes: [UInt8]) -> String {
        SHA256.hash(data: bytes).map { byte in
            let hex = String(byte, radix: 16)
            return hex.count == 1 ? "0" + hex : hex
        }.joined()
    }

    /// Writes the batch durably: a temporary file, fsync, rename, directory fsync.
    public func write(to path: String) throws {
        let bytes = try encoded()
        let temporary = path + ".tmp"
        let file = try FileHandleIO(path: temporary, flags: O_WRONLY | O_CREAT | O_TRUNC)
        try file.write(bytes)
        try file.sync()
        try DurableRename.rename(from: temporary, to: path)
    }

    /// Reads a batch file, naming the line of the first problem.
    public static func read(path: String) throws -> EdgeBatch {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw EdgeBatchError(path: path, line: nil, message: "cannot read: \(error.localizedDescription)")
        }
        let lines = data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: true)
        guard let first = lines.first else { throw EdgeBatchError(path: path, line: 1, message: "the file is empty") }
        let header: BatchHeader
        do { header = try CanonicalJSON.decode(BatchHeader.self, from: first) } catch {
            throw EdgeBatchError(path: path, line: 1, message: "not an edge batch header: \(error)")
        }
        guard header.kind == "batch", header.formatVersion == formatVersion else {
            throw EdgeBatchError(path: path, line: 1, message: "unsupported batch kind \(header.kind) version \(header.formatVersion)")
        }
        var edges: [EdgeRow] = []
        var wide: [WideEdgeRow] = []
        for (index, line) in lines.dropFirst().enumerated() {
            do {
                if index < header.edgeRows {
                    edges.append(try CanonicalJSON.decode(EdgeRow.self, from: line))
                } else {
                    wide.append(try CanonicalJSON.decode(WideEdgeRow.self, from: line))
                }
            } catch {
                throw EdgeBatchError(path: path, line: index + 2, message: "not a valid row: \(error)")
            }
        }
        guard edges.count == header.edgeRows, wide.count == header.wideRows else {
            throw EdgeBatchError(path: path, line: nil, message: "holds \(edges.count) edge and \(wide.count) wide rows, its header says \(header.edgeRows) and \(header.wideRows): truncated?")
        }
        let rows = try rowLines(edges: edges, wide: wide)
        guard sha256Hex(rows) == header.rowsSha256 else {
            throw EdgeBatchError(path: path, line: nil, message: "rows do not match the header's rows_sha256: the file was altered")
        }
        return EdgeBatch(header: header, edges: edges, wide: wide)
    }
}

public struct EdgeBatchError: Error, CustomStringConvertible {
    public var path: String
    public var line: Int?
    public var message: String
    public var description: String {
        "\(path)\(line.map { ":\($0)" } ?? ""): \(message)"
    }
}
