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
