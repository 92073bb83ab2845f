import TrailFormat

/// The batch format's row types, read back from the tables they were loaded into (times as
/// Unix seconds, so results do not depend on the session's time zone).
extension EdgeRow {
    /// The `edge` columns, in the order `init(databaseRow:)` reads them.
    static let selectList = """
        src_ns, dst_ns, action, extract(epoch FROM first_seen)::bigint, extract(epoch FROM last_seen)::bigint,
        flow_count, connections, packets_in, packets_out, bytes_in, bytes_out, cluster
        """

    init(databaseRow row: [String?]) throws(ReportError) {
        let number = { (index: Int) in Int64(row[index] ?? "") ?? 0 }
        self.init(cluster: row[11] ?? "", srcNs: row[0] ?? "", dstNs: row[1] ?? "", action: try .stored(row[2] ?? "", column: "edge.action"),
                  totals: EdgeTotals(firstSeen: number(3), lastSeen: number(4), flowCount: number(5), connections: number(6),
                                     packetsIn: number(7), packetsOut: number(8), bytesIn: number(9), bytesOut: number(10)))
    }

    /// The digest's order: denies first, then by first seen, then by names.
    static func digestOrder(_ a: EdgeRow, _ b: EdgeRow) -> Bool {
        let rankA = a.action == .deny ? 0 : 1, rankB = b.action == .deny ? 0 : 1
        if rankA != rankB { return rankA < rankB }
        return (a.firstSeen, a.srcNs, a.dstNs, a.action.rawValue, a.cluster) < (b.firstSeen, b.srcNs, b.dstNs, b.action.rawValue, b.cluster)
    }
}

extension WideEdgeRow {
    /// The `edge_wide` columns, in the order `init(databaseRow:)` reads them; `days` as
    /// `YYYY-MM-DD` whatever the session's DateStyle.
    static let selectList = """
        src_type, src_ns, src_identity, src_workload, dst_type, dst_ns, dst_identity, dst_workload, dst_service, dst_port,
        proto, action, reporter, extract(epoch FROM first_seen)::bigint, extract(epoch FROM last_seen)::bigint,
        flow_count, connections, packets_in, packets_out, bytes_in, bytes_out,
        array_to_string(ARRAY(SELECT to_char(day, 'YYYY-MM-DD') FROM unnest(days) AS day ORDER BY day), ','), cluster
        """

    init(databaseRow row: [String?]) throws(ReportError) {
        let text = { (index: Int) in row[index] ?? "" }
        let number = { (index: Int) in Int64(row[index] ?? "") ?? 0 }
        self.init(cluster: text(22), srcType: try .stored(text(0), column: "edge_wide.src_type"), srcNs: text(1), srcIdentity: text(2),
                  srcWorkload: text(3), dstType: try .stored(text(4), column: "edge_wide.dst_type"), dstNs: text(5),
                  dstIdentity: text(6), dstWorkload: text(7), dstService: text(8), dstPort: number(9), proto: text(10),
                  action: try .stored(text(11), column: "edge_wide.action"), reporter: try .stored(text(12), column: "edge_wide.reporter"),
                  totals: EdgeTotals(firstSeen: number(13), lastSeen: number(14), flowCount: number(15), connections: number(16),
                                     packetsIn: number(17), packetsOut: number(18), bytesIn: number(19), bytesOut: number(20)),
                  days: text(21).split(separator: ",").map(String.init))
    }
}
