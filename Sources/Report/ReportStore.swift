import TrailDatabase
import TrailFormat

/// The reports' reads. Every value from outside is bound as a parameter; times travel as
/// Unix seconds, so results do not depend on the session's time zone.
public struct ReportStore {
    let connection: PostgresConnection

    public init(_ connection: PostgresConnection) { self.connection = connection }

    func rows(_ sql: String, _ parameters: [String?] = []) throws(ReportError) -> [[String?]] {
        do { return try connection.execute(sql, parameters).rows } catch { throw ReportError.database(error) }
    }

    /// `edge` rows, with times as Unix seconds, filtered by `condition` (fixed SQL, values as `$n`).
    func edges(where condition: String = "TRUE", _ parameters: [String?] = []) throws(ReportError) -> [EdgeRow] {
        try rows("SELECT \(EdgeRow.selectList) FROM edge WHERE \(condition)", parameters).map(EdgeRow.init(databaseRow:))
    }

    /// Every edge first seen in `(start, end]`: what the digest reports.
    public func edgesFirstSeen(after start: Int64, upTo end: Int64) throws(ReportError) -> [EdgeRow] {
        try edges(where: "first_seen > to_timestamp($1) AND first_seen <= to_timestamp($2)", [String(start), String(end)])
    }

    /// The whole `edge` table.
    public func allEdges() throws(ReportError) -> [EdgeRow] { try edges() }

    /// The coverage rows (captured ranges and gaps) that touch `[start, end)`.
    public func coverage(from start: Int64, to end: Int64) throws(ReportError) -> [CoverageRange] {
        let sql = """
            SELECT cluster, extract(epoch FROM range_start)::bigint, extract(epoch FROM range_end)::bigint, kind, reason
            FROM coverage WHERE range_end > to_timestamp($1) AND range_start < to_timestamp($2)
            """
        return try rows(sql, [String(start), String(end)]).map { row in
            CoverageRange(cluster: row[0] ?? "", start: Int64(row[1] ?? "") ?? 0, end: Int64(row[2] ?? "") ?? 0,
                          captured: row[3] == "captured", reason: row[4] ?? "")
        }
    }

    /// Every cluster with a loaded segment.
    public func clusters() throws(ReportError) -> [String] {
        try rows("SELECT DISTINCT cluster FROM load_ledger").compactMap { $0[0] }.sorted()
    }

    /// Wide rows whose source is a namespace (`nil`: every namespace), for the egress report.
    public func egressRows(namespace: String?) throws(ReportError) -> [WideEdgeRow] {
        var sql = "SELECT \(WideEdgeRow.selectList) FROM edge_wide WHERE src_ns <> '-'"
        var parameters: [String?] = []
        if let namespace {
            sql += " AND src_ns = $1"
            parameters.append(namespace)
        }
        return try rows(sql, parameters).map(WideEdgeRow.init(databaseRow:))
    }

    /// The distinct (source, destination, action) namespace pairs seen on any day in
    /// `[firstDay, lastDay]` (`YYYY-MM-DD`), by the wide table's `days`.
    public func pairsSeen(fromDay firstDay: String, toDay lastDay: String) throws(ReportError) -> [NamespacePair] {
        let sql = """
            SELECT DISTINCT src_ns, dst_ns, action FROM edge_wide
            WHERE src_ns <> '-' AND dst_ns <> '-' AND src_ns <> dst_ns
              AND EXISTS (SELECT 1 FROM unnest(days) AS day WHERE day BETWEEN $1::date AND $2::date)
            """
        return try rows(sql, [firstDay, lastDay]).map { NamespacePair(source: $0[0] ?? "", destination: $0[1] ?? "", action: $0[2] ?? "") }
    }
}
