import Foundation
import TrailFormat

/// A query's answer: a table for people or JSON lines for machines.
package struct QueryTable: Sendable {
    let columns: [(name: String, kind: EdgeQuery.Kind)]
    package let rows: [[String]]

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

    package func text() -> String {
        var table = TextTable(headers: columns.map { $0.name.uppercased() })
        for row in rows { table.add(zip(row, columns).map { cell($0, $1.kind) }) }
        return table.render(indent: "") + "\n(\(rows.count) row\(rows.count == 1 ? "" : "s"))\n"
    }

    /// A JSON array of objects: names as given, counts as numbers, times as RFC 3339.
    package func json() throws -> String {
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
