import TrailDatabase
import TrailFormat

/// Replay's write side: the rebuilt pieces of history are built aside (tables `replay_*`,
/// which readers never look at), then replace exactly the pieces they rebuild in one
/// transaction (`swap`), with the all-time rows of every key they touch recomputed from the
/// pieces in the same transaction. Every other piece, and the all-time rows of every other
/// key, stay as they were. A reader sees the old history or the new, at any isolation level
/// (the live tables stay the same relations: DELETE and INSERT, row locks only, no reader blocked).
package struct HistoryRebuild {
    /// What one cluster's rebuild replaces: its pieces of the days `firstDay...lastDay` (nil:
    /// unbounded), but for the `kept` days.
    package struct Target: Sendable, Equatable {
        package var cluster: String
        package var firstDay: Int64?
        package var lastDay: Int64?
        package var kept: [Int64]

        package init(cluster: String, firstDay: Int64?, lastDay: Int64?, kept: [Int64]) {
            self.cluster = cluster
            self.firstDay = firstDay
            self.lastDay = lastDay
            self.kept = kept
        }

        /// Every day of the cluster: its all-time rows are rebuilt whole.
        var isWhole: Bool { firstDay == nil && lastDay == nil }
    }

    let connection: PostgresConnection
    let loader: BatchLoader

    static let aside: [(live: String, aside: String)] = [
        ("edge_daily", "replay_edge_daily"), ("edge_wide_daily", "replay_edge_wide_daily"), ("policy_flow", "replay_policy_flow"),
        ("load_ledger", "replay_ledger"), ("coverage", "replay_coverage"),
    ]

    package init(connection: PostgresConnection) {
        self.connection = connection
        loader = BatchLoader(connection: connection)
    }

    /// Drops leftovers of an earlier replay and creates the empty tables aside.
    package func prepare() throws(DatabaseError) {
        drop()
        for (live, aside) in Self.aside {
            try connection.execute("CREATE TABLE \(aside) (LIKE \(live) INCLUDING ALL)")
        }
        try connection.execute("CREATE TABLE replay_target (cluster text PRIMARY KEY, first_day date NOT NULL, last_day date NOT NULL, kept date[] NOT NULL)")
        try connection.execute("CREATE TABLE replay_drop (sha256 text PRIMARY KEY)")
    }

    /// Removes the tables aside (after a swap, or a failed replay); failures are ignored.
    package func drop() {
        for table in Self.aside.map(\.aside) + ["replay_target", "replay_drop"] {
            _ = try? connection.execute("DROP TABLE IF EXISTS \(table)")
        }
    }

    /// The rows of `batch` (pieces of the rebuilt days; pieces outside the targets are left
    /// out at the swap), inside the caller's transaction.
    package func addRows(_ batch: EdgeBatch) throws(DatabaseError) {
        try loader.stage(batch)
        try connection.execute(ProjectionTables.mergeDaily(table: "replay_edge_daily", stage: "stage_edge", key: ProjectionTables.edgeKey))
        try connection.execute(ProjectionTables.mergeDaily(table: "replay_edge_wide_daily", stage: "stage_wide", key: ProjectionTables.wideKey))
        try connection.execute(ProjectionTables.mergePolicy(into: "replay_policy_flow"))
        try connection.execute("DROP TABLE stage_edge, stage_wide, stage_policy")
    }

    /// The ledger and coverage rows of those of `inputs` whose hash is in `recorded` (the
    /// segments the replay rebuilds whole), which replace theirs at the swap. `inputs` are one
    /// group, whose fold alone gives `edgeRows` and `wideRows` rows (as etl's ledger rows say).
    package func addLedgerRows(_ inputs: [BatchInput], edgeRows: Int, wideRows: Int, of header: BatchHeader,
                               recorded: Set<String>) throws(DatabaseError) {
        try Ledger(connection, ledgerTable: "replay_ledger", coverageTable: "replay_coverage")
            .record(inputs.filter { recorded.contains($0.sha256) }, batchEdgeRows: edgeRows, batchWideRows: wideRows, of: header)
    }

    /// What the swap replaces: `targets`' pieces, and the ledger rows of `dropLedger` (the
    /// segments replayed, and those a replayed compacted segment replaces).
    package func setTargets(_ targets: [Target], dropLedger: Set<String>) throws(DatabaseError) {
        for target in targets {
            try connection.execute("INSERT INTO replay_target VALUES ($1, $2::date, $3::date, $4::date[])", [
                target.cluster, target.firstDay.map(DayRange.date) ?? "-infinity", target.lastDay.map(DayRange.date) ?? "infinity",
                "{" + target.kept.map(DayRange.date).joined(separator: ",") + "}",
            ])
        }
        try connection.execute("INSERT INTO replay_drop SELECT unnest($1::text[])", [PostgresArray.text(dropLedger.sorted())])
    }

    /// A piece of `alias` lies in a target.
    static func inTarget(_ alias: String) -> String {
        "EXISTS (SELECT 1 FROM replay_target t WHERE t.cluster = \(alias).cluster AND \(alias).day BETWEEN t.first_day AND t.last_day AND NOT \(alias).day = ANY(t.kept))"
    }

    /// One all-time table rebuilt for the keys its targeted pieces had or have.
    private func swapAllTime(table: String, daily: String, aside: String, key: [String], days: Bool) throws(DatabaseError) {
        let keyList = key.joined(separator: ", ")
        try connection.execute("""
            CREATE TEMP TABLE touched ON COMMIT DROP AS
            SELECT \(keyList) FROM \(daily) d WHERE \(Self.inTarget("d"))
            UNION SELECT \(keyList) FROM \(aside) d WHERE \(Self.inTarget("d"))
            UNION SELECT \(keyList) FROM \(table) a
                WHERE a.cluster IN (SELECT cluster FROM replay_target WHERE first_day = '-infinity' AND last_day = 'infinity')
            """)
        try connection.execute("DELETE FROM \(daily) d WHERE \(Self.inTarget("d"))")
        try connection.execute("INSERT INTO \(daily) SELECT * FROM \(aside) d WHERE \(Self.inTarget("d"))")
        try connection.execute("DELETE FROM \(table) a WHERE (\(key.map { "a." + $0 }.joined(separator: ", "))) IN (SELECT \(keyList) FROM touched)")
        try connection.execute("""
            INSERT INTO \(table) (\(ProjectionTables.allTimeColumns(key: key, days: days)))
            \(ProjectionTables.aggregate("\(daily) WHERE (\(keyList)) IN (SELECT \(keyList) FROM touched)", key: key, days: days, timestamps: true))
            """)
        try connection.execute("DROP TABLE touched")
    }

    /// Inside the caller's transaction: the targeted pieces are replaced by the rebuilt ones,
    /// the all-time rows of their keys recomputed from the pieces, the dropped ledger rows
    /// replaced by the rebuilt ledger rows; then the tables aside go.
    package func swap() throws(DatabaseError) {
        try swapAllTime(table: "edge", daily: "edge_daily", aside: "replay_edge_daily", key: ProjectionTables.edgeKey, days: false)
        try swapAllTime(table: "edge_wide", daily: "edge_wide_daily", aside: "replay_edge_wide_daily", key: ProjectionTables.wideKey, days: true)
        try connection.execute("DELETE FROM policy_flow d WHERE \(Self.inTarget("d"))")
        try connection.execute("INSERT INTO policy_flow SELECT * FROM replay_policy_flow d WHERE \(Self.inTarget("d"))")
        try connection.execute("DELETE FROM coverage WHERE sha256 IN (SELECT sha256 FROM replay_drop)")
        try connection.execute("DELETE FROM load_ledger WHERE sha256 IN (SELECT sha256 FROM replay_drop)")
        try connection.execute("INSERT INTO load_ledger SELECT * FROM replay_ledger")
        try connection.execute("INSERT INTO coverage SELECT * FROM replay_coverage")
        // A segment the replay loaded is no longer failing.
        try connection.execute("DELETE FROM load_failures WHERE segment IN (SELECT segment FROM replay_ledger)")
        for table in Self.aside.map(\.aside) + ["replay_target", "replay_drop"] {
            try connection.execute("DROP TABLE \(table)")
        }
    }

    /// Rows of the all-time tables after the swap.
    package func allTimeCounts() throws(DatabaseError) -> (edge: Int, wide: Int) {
        let row = try connection.execute("SELECT (SELECT count(*) FROM edge), (SELECT count(*) FROM edge_wide)").rows.first
        return (row?[0].flatMap { Int($0) } ?? 0, row?[1].flatMap { Int($0) } ?? 0)
    }
}
