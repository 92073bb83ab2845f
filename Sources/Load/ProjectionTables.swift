/// The tables one load writes: the live ones, or replay's shadow copies. Names are fixed
/// here, never taken from input.
public struct ProjectionTables: Sendable {
    public var edge: String
    public var wide: String
    public var ledger: String
    public var coverage: String
    public var policy: String

    public static let live = ProjectionTables(edge: "edge", wide: "edge_wide", ledger: "load_ledger", coverage: "coverage", policy: "policy_flow")
    public static let shadow = ProjectionTables(edge: "edge_replay", wide: "edge_wide_replay", ledger: "load_ledger_replay",
                                                coverage: "coverage_replay", policy: "policy_flow_replay")

    var all: [(live: String, table: String)] {
        [("edge", edge), ("edge_wide", wide), ("load_ledger", ledger), ("coverage", coverage), ("policy_flow", policy)]
    }

    static let edgeCounters = ["connections", "packets_in", "packets_out", "bytes_in", "bytes_out"]

    static let stageEdge = """
        CREATE TEMP TABLE stage_edge (src_ns text, dst_ns text, action text, first_seen bigint, last_seen bigint,
            flow_count bigint, connections bigint, packets_in bigint, packets_out bigint, bytes_in bigint, bytes_out bigint)
            ON COMMIT DROP
        """

    static let stageWide = """
        CREATE TEMP TABLE stage_wide (src_type text, src_ns text, src_identity text, src_workload text,
            dst_type text, dst_ns text, dst_identity text, dst_workload text, dst_service text, dst_port bigint,
            proto text, action text, reporter text, first_seen bigint, last_seen bigint, flow_count bigint,
            connections bigint, packets_in bigint, packets_out bigint, bytes_in bigint, bytes_out bigint, days date[])
            ON COMMIT DROP
        """

    /// One additive upsert of the staged edge rows: min first seen, max last seen, sums.
    var mergeEdge: String {
        let sums = Self.edgeCounters.map { "\($0) = e.\($0) + EXCLUDED.\($0)" }.joined(separator: ", ")
        return """
            INSERT INTO \(edge) AS e (src_ns, dst_ns, action, first_seen, last_seen, flow_count, \(Self.edgeCounters.joined(separator: ", ")))
            SELECT src_ns, dst_ns, action, to_timestamp(first_seen), to_timestamp(last_seen), flow_count, \(Self.edgeCounters.joined(separator: ", "))
            FROM stage_edge
            ON CONFLICT (src_ns, dst_ns, action) DO UPDATE SET
                first_seen = LEAST(e.first_seen, EXCLUDED.first_seen),
                last_seen = GREATEST(e.last_seen, EXCLUDED.last_seen),
                flow_count = COALESCE(e.flow_count, 0) + EXCLUDED.flow_count, \(sums)
            """
    }

    static let wideKey = ["src_ns", "dst_ns", "action", "src_identity", "dst_identity", "src_type", "dst_type",
                          "src_workload", "dst_workload", "dst_service", "dst_port", "proto", "reporter"]

    /// The same for the wide rows; the days seen are a set union.
    var mergeWide: String {
        let sums = (["flow_count"] + Self.edgeCounters).map { "\($0) = w.\($0) + EXCLUDED.\($0)" }.joined(separator: ", ")
        let columns = Self.wideKey + ["first_seen", "last_seen", "flow_count"] + Self.edgeCounters + ["days"]
        let values = Self.wideKey + ["to_timestamp(first_seen)", "to_timestamp(last_seen)", "flow_count"] + Self.edgeCounters + ["days"]
        return """
            INSERT INTO \(wide) AS w (\(columns.joined(separator: ", ")))
            SELECT \(values.joined(separator: ", ")) FROM stage_wide
            ON CONFLICT (\(Self.wideKey.joined(separator: ", "))) DO UPDATE SET
                first_seen = LEAST(w.first_seen, EXCLUDED.first_seen),
                last_seen = GREATEST(w.last_seen, EXCLUDED.last_seen), \(sums),
                days = CASE WHEN EXCLUDED.days <@ w.days THEN w.days
                            ELSE ARRAY(SELECT DISTINCT d FROM unnest(w.days || EXCLUDED.days) AS d ORDER BY d) END
            """
    }
}
