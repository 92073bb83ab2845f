/// The projection tables and the SQL that writes them. Every load stages a batch's rows (one
/// cluster's UTC day of a key each) and merges them twice in one transaction: into the daily
/// pieces (`edge_daily`, `edge_wide_daily`, `policy_flow`) and, grouped over days, into the
/// all-time tables (`edge`, `edge_wide`), so the all-time tables always equal the merge of
/// their pieces. Names are fixed here, never taken from input.
enum ProjectionTables {
    static let counters = ["flow_count", "connections", "packets_in", "packets_out", "bytes_in", "bytes_out"]

    static let edgeKey = ["cluster", "src_ns", "dst_ns", "action"]

    static let wideKey = ["cluster", "src_ns", "dst_ns", "action", "src_identity", "dst_identity", "src_type", "dst_type",
                          "src_workload", "dst_workload", "dst_service", "dst_port", "proto", "reporter"]

    static let stageEdge = """
        CREATE TEMP TABLE stage_edge (cluster text, day date, src_ns text, dst_ns text, action text, first_seen bigint, last_seen bigint,
            flow_count bigint, connections bigint, packets_in bigint, packets_out bigint, bytes_in bigint, bytes_out bigint)
            ON COMMIT DROP
        """

    static let stageWide = """
        CREATE TEMP TABLE stage_wide (cluster text, day date, src_type text, src_ns text, src_identity text, src_workload text,
            dst_type text, dst_ns text, dst_identity text, dst_workload text, dst_service text, dst_port bigint,
            proto text, action text, reporter text, first_seen bigint, last_seen bigint, flow_count bigint,
            connections bigint, packets_in bigint, packets_out bigint, bytes_in bigint, bytes_out bigint)
            ON COMMIT DROP
        """

    /// `SET` clauses of the additive merge: least first seen, greatest last seen, sums.
    static func additive(_ alias: String) -> String {
        (["first_seen = LEAST(\(alias).first_seen, EXCLUDED.first_seen)", "last_seen = GREATEST(\(alias).last_seen, EXCLUDED.last_seen)"]
            + counters.map { "\($0) = \(alias).\($0) + EXCLUDED.\($0)" }).joined(separator: ", ")
    }

    /// The staged rows into their daily pieces.
    static func mergeDaily(table: String, stage: String, key: [String]) -> String {
        let columns = ["cluster", "day"] + key.dropFirst() + ["first_seen", "last_seen"] + counters
        let values = ["cluster", "day"] + key.dropFirst() + ["to_timestamp(first_seen)", "to_timestamp(last_seen)"] + counters
        return """
            INSERT INTO \(table) AS p (\(columns.joined(separator: ", ")))
            SELECT \(values.joined(separator: ", ")) FROM \(stage)
            ON CONFLICT (\((["cluster", "day"] + key.dropFirst()).joined(separator: ", "))) DO UPDATE SET \(additive("p"))
            """
    }

    /// The aggregate of `source`'s rows over days, per all-time key (`days` for the wide table).
    static func aggregate(_ source: String, key: [String], days: Bool, timestamps: Bool) -> String {
        let time = { (column: String) in timestamps ? column : "to_timestamp(\(column))" }
        var values = key + ["min(\(time("first_seen")))", "max(\(time("last_seen")))"] + counters.map { "sum(\($0))::bigint" }
        if days { values.append("array_agg(DISTINCT day ORDER BY day)") }
        return "SELECT \(values.joined(separator: ", ")) FROM \(source) GROUP BY \(key.joined(separator: ", "))"
    }

    static func allTimeColumns(key: [String], days: Bool) -> String {
        (key + ["first_seen", "last_seen"] + counters + (days ? ["days"] : [])).joined(separator: ", ")
    }

    /// The staged rows, grouped over their days, merged into the all-time `edge`.
    static let mergeEdge = """
        INSERT INTO edge AS e (\(allTimeColumns(key: edgeKey, days: false)))
        \(aggregate("stage_edge", key: edgeKey, days: false, timestamps: false))
        ON CONFLICT (\(edgeKey.joined(separator: ", "))) DO UPDATE SET \(additive("e"))
        """

    /// The same for `edge_wide`; its days are a set union.
    static let mergeWide = """
        INSERT INTO edge_wide AS w (\(allTimeColumns(key: wideKey, days: true)))
        \(aggregate("stage_wide", key: wideKey, days: true, timestamps: false))
        ON CONFLICT (\(wideKey.joined(separator: ", "))) DO UPDATE SET \(additive("w")),
            days = CASE WHEN EXCLUDED.days <@ w.days THEN w.days
                        ELSE ARRAY(SELECT DISTINCT d FROM unnest(w.days || EXCLUDED.days) AS d ORDER BY d) END
        """

    /// A batch of one UTC day (every segment but one that crosses midnight) has one staged
    /// row per all-time key: it merges row for row, without grouping (faster).
    static let mergeEdgeOneDay = """
        INSERT INTO edge AS e (\(allTimeColumns(key: edgeKey, days: false)))
        SELECT \((edgeKey + ["to_timestamp(first_seen)", "to_timestamp(last_seen)"] + counters).joined(separator: ", ")) FROM stage_edge
        ON CONFLICT (\(edgeKey.joined(separator: ", "))) DO UPDATE SET \(additive("e"))
        """

    static let mergeWideOneDay = """
        INSERT INTO edge_wide AS w (\(allTimeColumns(key: wideKey, days: true)))
        SELECT \((wideKey + ["to_timestamp(first_seen)", "to_timestamp(last_seen)"] + counters + ["ARRAY[day]"]).joined(separator: ", ")) FROM stage_wide
        ON CONFLICT (\(wideKey.joined(separator: ", "))) DO UPDATE SET \(additive("w")),
            days = CASE WHEN EXCLUDED.days <@ w.days THEN w.days
                        ELSE ARRAY(SELECT DISTINCT d FROM unnest(w.days || EXCLUDED.days) AS d ORDER BY d) END
        """

    static let mergeEdgeDaily = mergeDaily(table: "edge_daily", stage: "stage_edge", key: edgeKey)
    static let mergeWideDaily = mergeDaily(table: "edge_wide_daily", stage: "stage_wide", key: wideKey)
}
