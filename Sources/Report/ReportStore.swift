import TrailDatabase
import TrailFormat

/// What the reports read of the load ledger (the `Ledger` of the Load stage, which owns every
/// ledger query; the command line hands it in, so reports hold no ledger SQL).
package protocol LedgerReading {
    /// Every cluster with a loaded segment, sorted.
    func clusters() throws(DatabaseError) -> [String]
    /// The coverage rows that touch `[start, end)`, of `clusters` (nil: all).
    func coverage(from start: Int64, to end: Int64, clusters: [String]?) throws(DatabaseError) -> [CoverageRange]
    /// Loaded segments whose data touch `[start, end)`, folded by a transform older than `version`.
    func segmentsOlder(thanTransformVersion version: Int, from start: Int64, to end: Int64) throws(DatabaseError) -> Int
}

/// The reports' reads. Every value from outside is bound as a parameter; times travel as
/// Unix seconds, so results do not depend on the session's time zone. With a cluster filter,
/// every read is of those clusters only.
package struct ReportStore {
    let connection: PostgresConnection
    let ledger: any LedgerReading
    /// The clusters reported (nil: every cluster).
    package let clusterFilter: [String]?

    package init(_ connection: PostgresConnection, ledger: any LedgerReading, clusters: [String]? = nil) {
        self.connection = connection
        self.ledger = ledger
        self.clusterFilter = clusters.flatMap { $0.isEmpty ? nil : Array(Set($0)).sorted() }
    }

    func rows(_ sql: String, _ parameters: [String?] = []) throws(ReportError) -> [[String?]] {
        do { return try connection.execute(sql, parameters).rows } catch { throw ReportError.database(error) }
    }

    /// The cluster condition for a query whose parameters are `parameters` (the filter is
    /// bound as the next one), and the parameters with it.
    func scoped(_ parameters: [String?], column: String = "cluster") -> (condition: String, parameters: [String?]) {
        guard let clusterFilter else { return ("TRUE", parameters) }
        return ("\(column) = ANY($\(parameters.count + 1)::text[])", parameters + [PostgresArray.text(clusterFilter)])
    }

    /// `edge` rows, with times as Unix seconds, filtered by `condition` (fixed SQL, values as `$n`).
    func edges(where condition: String = "TRUE", _ parameters: [String?] = []) throws(ReportError) -> [EdgeRow] {
        let (clusters, bound) = scoped(parameters)
        return try rows("SELECT \(EdgeRow.selectList) FROM edge WHERE (\(condition)) AND \(clusters)", bound).map(EdgeRow.init(databaseRow:))
    }

    /// Every edge first seen in `(start, end]`: what the digest reports.
    package func edgesFirstSeen(after start: Int64, upTo end: Int64) throws(ReportError) -> [EdgeRow] {
        try edges(where: "first_seen > to_timestamp($1) AND first_seen <= to_timestamp($2)", [String(start), String(end)])
    }

    /// The whole `edge` table (of the clusters reported).
    package func allEdges() throws(ReportError) -> [EdgeRow] { try edges() }

    /// The coverage rows (captured ranges and gaps) that touch `[start, end)`.
    package func coverage(from start: Int64, to end: Int64) throws(ReportError) -> [CoverageRange] {
        do { return try ledger.coverage(from: start, to: end, clusters: clusterFilter) } catch { throw ReportError.database(error) }
    }

    /// Every cluster reported: with a filter, those of its clusters that have loaded segments.
    package func clusters() throws(ReportError) -> [String] {
        let loaded: [String]
        do { loaded = try ledger.clusters() } catch { throw ReportError.database(error) }
        guard let clusterFilter else { return loaded }
        return loaded.filter(clusterFilter.contains)
    }

    /// Loaded segments of `[start, end)` folded before transform `version`.
    func segmentsOlder(thanTransformVersion version: Int, from start: Int64, to end: Int64) throws(ReportError) -> Int {
        do { return try ledger.segmentsOlder(thanTransformVersion: version, from: start, to: end) } catch { throw ReportError.database(error) }
    }

    /// Wide rows whose source is a namespace (`nil`: every namespace), for the egress report.
    package func egressRows(namespace: String?) throws(ReportError) -> [WideEdgeRow] {
        var sql = "SELECT \(WideEdgeRow.selectList) FROM edge_wide WHERE src_ns <> '-'"
        var parameters: [String?] = []
        if let namespace {
            sql += " AND src_ns = $1"
            parameters.append(namespace)
        }
        let (clusters, bound) = scoped(parameters)
        return try rows(sql + " AND \(clusters)", bound).map(WideEdgeRow.init(databaseRow:))
    }

    /// The distinct (source, destination, action) namespace pairs seen on any day in
    /// `[firstDay, lastDay]` (`YYYY-MM-DD`), by the wide table's `days`.
    package func pairsSeen(fromDay firstDay: String, toDay lastDay: String) throws(ReportError) -> [NamespacePair] {
        let (clusters, bound) = scoped([firstDay, lastDay])
        let sql = """
            SELECT DISTINCT src_ns, dst_ns, action FROM edge_wide
            WHERE src_ns <> '-' AND dst_ns <> '-' AND src_ns <> dst_ns
              AND EXISTS (SELECT 1 FROM unnest(days) AS day WHERE day BETWEEN $1::date AND $2::date) AND \(clusters)
            """
        return try rows(sql, bound).map { (row) throws(ReportError) in
            NamespacePair(source: row[0] ?? "", destination: row[1] ?? "", action: try .stored(row[2] ?? "", column: "edge_wide.action"))
        }
    }
}
