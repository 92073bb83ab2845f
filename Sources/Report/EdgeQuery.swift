import Foundation
import TrailFormat

/// The runbook's queries over `edge`, with every value bound as a parameter and ties broken
/// by name so the output is the same on every run.
package enum EdgeQuery: Sendable, Equatable {
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

    /// The query's condition and order, with its parameters.
    var parts: (condition: String, order: String, parameters: [String?]) {
        switch self {
        case .inbound(let namespace): ("dst_ns = $1", "flow_count DESC, src_ns COLLATE \"C\", action", [namespace])
        case .outbound(let namespace): ("src_ns = $1", "last_seen DESC, dst_ns COLLATE \"C\", action", [namespace])
        case .new(let since): ("first_seen > to_timestamp($1)", "first_seen DESC, src_ns COLLATE \"C\", dst_ns COLLATE \"C\", action", [String(since)])
        case .denied: ("action = 'deny'", "last_seen DESC, src_ns COLLATE \"C\", dst_ns COLLATE \"C\"", [])
        case .adjacency: ("TRUE", "src_ns COLLATE \"C\", dst_ns COLLATE \"C\", action", [])
        }
    }

    /// The statement, with `scope` (a condition on parameters after the query's own: the
    /// cluster filter) in its WHERE. Rows of several clusters come in cluster order within ties.
    func statement(scope: ([String?]) -> (condition: String, parameters: [String?]) = { ("TRUE", $0) }) -> (sql: String, parameters: [String?]) {
        let select = columns.map { $0.kind == .time ? "extract(epoch FROM \($0.name))::bigint" : $0.name }.joined(separator: ", ")
        let (condition, order, parameters) = parts
        let (clusters, bound) = scope(parameters)
        return ("SELECT \(select) FROM edge WHERE \(condition) AND \(clusters) ORDER BY \(order), cluster COLLATE \"C\"", bound)
    }

    package func run(_ store: ReportStore) throws(ReportError) -> QueryTable {
        let (sql, parameters) = statement { store.scoped($0) }
        let rows = try store.rows(sql, parameters)
        return QueryTable(columns: columns.map { ($0.name, $0.kind) }, rows: rows.map { $0.map { $0 ?? "" } })
    }
}
