import Foundation
import TrailFormat

/// The runbook's queries over `edge`, with every value bound as a parameter and ties broken
/// by name so the output is the same on every run.
public enum EdgeQuery: Sendable, Equatable {
    case inbound(namespace: String)
    case outbound(namespace: String)
    case new(since: Int64)
    case denied
    case adjacency

    enum Kind { case text, number, time }

    var columns: [(name: String, kind: Kind)] {
        switch self {
        case .inbound: [("src_ns", .text), ("action", .text), ("flow_count", .number), ("first_seen", .time), ("last_seen", .time)]
        case .outbound: [("dst_ns", .text), ("action", .text), ("flow_count", .number), ("first_seen", .time), ("last_seen", .time)]
        case .new: [("src_ns", .text), ("dst_ns", .text), ("action", .text), ("flow_count", .number), ("first_seen", .time)]
        case .denied: [("src_ns", .text), ("dst_ns", .text), ("flow_count", .number), ("last_seen", .time)]
        case .adjacency: [("src_ns", .text), ("dst_ns", .text), ("action", .text), ("flow_count", .number)]
        }
    }

    var statement: (sql: String, parameters: [String?]) {
        let select = columns.map { $0.kind == .time ? "extract(epoch FROM \($0.name))::bigint" : $0.name }.joined(separator: ", ")
        switch self {
        case .inbound(let namespace):
            return ("SELECT \(select) FROM edge WHERE dst_ns = $1 ORDER BY flow_count DESC, src_ns COLLATE \"C\", action", [namespace])
        case .outbound(let namespace):
            return ("SELECT \(select) FROM edge WHERE src_ns = $1 ORDER BY last_seen DESC, dst_ns COLLATE \"C\", action", [namespace])
        case .new(let since):
            return ("SELECT \(select) FROM edge WHERE first_seen > to_timestamp($1) ORDER BY first_seen DESC, src_ns COLLATE \"C\", dst_ns COLLATE \"C\", action",
                    [String(since)])
        case .denied:
            return ("SELECT \(select) FROM edge WHERE action = 'deny' ORDER BY last_seen DESC, src_ns COLLATE \"C\", dst_ns COLLATE \"C\"", [])
        case .adjacency:
            return ("SELECT \(select) FROM edge ORDER BY src_ns COLLATE \"C\", dst_ns COLLATE \"C\", action", [])
        }
    }

    public func run(_ store: ReportStore) throws(ReportError) -> QueryTable {
        let (sql, parameters) = statement
        let rows = try store.rows(sql, parameters)
        return QueryTable(columns: columns.map { ($0.name, $0.kind) }, rows: rows.map { $0.map { $0 ?? "" } })
    }
}

/// A query's answer: a table for people or JSON lines for machines.
public struct QueryTable: Sendable {
    let columns: [(name: String, kind: EdgeQuery.Kind)]
    public let rows: [[String]]

    init(columns: [(String, EdgeQuery.Kind)], rows: [[String]]) {
        self.columns = columns.map { (name: $0.0, kind: $0.1) }
        self.rows = rows
    }

    func cell(_ value: String, _ kind: EdgeQuery.Kind) -> String {
        switch kind {
        case .time: Int64(value).map(UTCTime.rfc3339) ?? value
        case .number: value
        case .text: TerminalText.visible(value)
        }
    }

    public func text() -> String {
        var table = TextTable(headers: columns.map { $0.name.uppercased() })
        for row in rows { table.add(zip(row, columns).map { cell($0, $1.kind) }) }
        return table.render(indent: "") + "\n(\(rows.count) row\(rows.count == 1 ? "" : "s"))\n"
    }

    /// A JSON array of objects: names as given, counts as numbers, times as RFC 3339.
    public func json() throws -> String {
        let objects: [[String: JSONValue]] = rows.map { row in
            Dictionary(uniqueKeysWithValues: zip(row, columns).map { value, column in
                switch column.kind {
                case .number: (column.name, JSONValue.number(Int64(value) ?? 0))
                case .time: (column.name, JSONValue.text(Int64(value).map(UTCTime.rfc3339) ?? value))
                case .text: (column.name, JSONValue.text(value))
                }
            })
        }
        let encoder = CanonicalJSON.encoder()
        encoder.outputFormatting.insert(.prettyPrinted)
        return String(decoding: try encoder.encode(objects), as: UTF8.self) + "\n"
    }
}

enum JSONValue: Encodable {
    case text(String)
    case number(Int64)

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .text(let value): try container.encode(value)
        case .number(let value): try container.encode(value)
        }
    }
}

/// Names from the data on a terminal: control characters (escape sequences, newlines) are
/// shown as `\u{…}` instead of acting on the terminal.
public enum TerminalText {
    public static func visible(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else { return text }
        return TextEscape.escape(text)
    }
}
