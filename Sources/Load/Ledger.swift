import TrailDatabase
import TrailFormat

/// The one owner of the ledger tables: `load_ledger` (what the tables hold, per segment),
/// `coverage` (what each loaded segment captured and missed) and `load_failures` (what etl
/// could not load). Every query of them lives in this type and its extensions; jobs, reports
/// and the command line call it and hold no ledger SQL.
package struct Ledger {
    let connection: PostgresConnection
    /// The tables written: the live ones, or replay's staging copies (`replay_ledger`,
    /// `replay_coverage`) that the history swap moves into them.
    let ledgerTable: String
    let coverageTable: String

    package init(_ connection: PostgresConnection) {
        self.init(connection, ledgerTable: "load_ledger", coverageTable: "coverage")
    }

    init(_ connection: PostgresConnection, ledgerTable: String, coverageTable: String) {
        self.connection = connection
        self.ledgerTable = ledgerTable
        self.coverageTable = coverageTable
    }

    /// One loaded segment, as the ledger knows it.
    package struct Entry: Sendable, Equatable {
        package var sha256: String
        package var segment: String
        package var cluster: String
        package var windowStart: Int64
        /// The bucket span of its loaded items (nil: no item loaded).
        package var dataStart: Int64?
        package var dataEnd: Int64?
        /// False for segments loaded before the tables kept days (migration 0009).
        package var byDay: Bool
        package var settings: RecordedSettings?
        /// A compacted day segment: the segments it replaces.
        package var replaces: [String]

        /// The UTC days (days since 1970-01-01) its items count in.
        package var days: ClosedRange<Int64>? { DayRange.days(dataStart: dataStart, dataEnd: dataEnd) }
    }

    /// Every ledger row.
    package func entries() throws(DatabaseError) -> [Entry] {
        try connection.execute("""
            SELECT sha256, segment, cluster, extract(epoch FROM window_start)::bigint, extract(epoch FROM data_start)::bigint,
                   extract(epoch FROM data_end)::bigint, by_day, settings, array_to_string(replaces, ',')
            FROM \(ledgerTable) ORDER BY window_start, sha256
            """).rows.map { row in
            Entry(sha256: row[0] ?? "", segment: row[1] ?? "", cluster: row[2] ?? "", windowStart: Int64(row[3] ?? "") ?? 0,
                  dataStart: row[4].flatMap { Int64($0) }, dataEnd: row[5].flatMap { Int64($0) }, byDay: row[6] != "f",
                  settings: row[7].flatMap { RecordedSettings(json: $0) },
                  replaces: (row[8] ?? "").split(separator: ",").map(String.init))
        }
    }

    /// The names and content hashes of every loaded segment, and every hash a loaded
    /// compacted segment stands for (etl takes none of these again).
    package func loadedIdentities() throws(DatabaseError) -> (names: Set<String>, hashes: Set<String>) {
        let rows = try connection.execute("SELECT segment, sha256, array_to_string(replaces, ',') FROM \(ledgerTable)").rows
        var hashes = Set(rows.compactMap { $0[1] })
        for row in rows { hashes.formUnion((row[2] ?? "").split(separator: ",").map(String.init)) }
        return (Set(rows.compactMap { $0[0] }), hashes)
    }

    /// Which of `hashes` the ledger holds.
    package func known(_ hashes: [String]) throws(DatabaseError) -> Set<String> {
        Set(try connection.execute(
            "SELECT sha256 FROM \(ledgerTable) WHERE sha256 = ANY($1::text[])", ["{" + hashes.joined(separator: ",") + "}"]
        ).rows.compactMap { $0[0] })
    }

    /// A loaded segment of `cluster` whose data overlap `[start, end)`: (its name, the overlap).
    package func overlap(cluster: String, start: Int64, end: Int64) throws(DatabaseError) -> (segment: String, from: Int64?, to: Int64?)? {
        let rows = try connection.execute("""
            SELECT segment, extract(epoch FROM greatest(data_start, to_timestamp($2)))::bigint,
                   extract(epoch FROM least(data_end, to_timestamp($3)))::bigint
            FROM \(ledgerTable)
            WHERE cluster = $1 AND data_start < to_timestamp($3) AND data_end > to_timestamp($2)
            ORDER BY data_start LIMIT 1
            """, [cluster, String(start), String(end)]).rows
        return rows.first.map { ($0[0] ?? "a loaded segment", $0[1].flatMap { Int64($0) }, $0[2].flatMap { Int64($0) }) }
    }

    /// The ledger and coverage rows of `batch`'s inputs, with its row counts and settings,
    /// inside the caller's transaction.
    package func record(_ batch: EdgeBatch) throws(DatabaseError) {
        try record(batch.header.inputs, batchEdgeRows: batch.edges.count, batchWideRows: batch.wide.count, of: batch.header)
    }

    /// The ledger and coverage rows of `inputs`, folded together into a batch of these row
    /// counts, with the transform version and settings of `header`.
    package func record(_ inputs: [BatchInput], batchEdgeRows: Int, batchWideRows: Int, of header: BatchHeader) throws(DatabaseError) {
        let settings = RecordedSettings(header)
        for input in inputs {
            try connection.execute("""
                INSERT INTO \(ledgerTable) (sha256, segment, cluster, capture_id, window_start, window_end, data_start, data_end,
                    items, batch_edge_rows, batch_wide_rows, transform_version, settings, settings_fingerprint, by_day, replaces)
                VALUES ($1, $2, $3, $4, to_timestamp($5), to_timestamp($6), to_timestamp($7), to_timestamp($8), $9, $10, $11, $12, $13, $14,
                        true, $15::text[])
                """, [input.sha256, input.segment, input.cluster, input.captureId, String(input.windowStart), String(input.windowEnd),
                      input.minStart.map(String.init), input.maxEnd.map(String.init), String(input.records),
                      String(batchEdgeRows), String(batchWideRows), String(header.transformVersion),
                      settings.json, settings.fingerprint,
                      input.replaces.map(PostgresArray.text)])
            let ranges = input.coverage.captured.map { ($0.from, $0.to, "captured", "") }
                + input.coverage.gaps.map { ($0.from, $0.to, "gap", $0.reason) }
            for (from, to, kind, reason) in ranges {
                try connection.execute("""
                    INSERT INTO \(coverageTable) (sha256, cluster, range_start, range_end, kind, reason)
                    VALUES ($1, $2, to_timestamp($3), to_timestamp($4), $5, $6)
                    """, [input.sha256, input.cluster, String(from), String(to), kind, reason])
            }
        }
    }

    /// A compacted day segment whose parts are all loaded: its ledger row (no coverage rows:
    /// its parts' are there; its counts are its parts'), in a transaction of its own.
    package func recordCompacted(_ segment: ScannedSegment, settings: RecordedSettings) throws(DatabaseError) {
        try connection.execute("""
            INSERT INTO \(ledgerTable) (sha256, segment, cluster, capture_id, window_start, window_end, data_start, data_end,
                items, batch_edge_rows, batch_wide_rows, transform_version, settings, settings_fingerprint, by_day, replaces)
            SELECT $1, $2, $3, $4, to_timestamp($5), to_timestamp($6), min(data_start), max(data_end), $7, 0, 0, $8, $9, $10,
                   coalesce(bool_and(by_day), true), $11::text[]
            FROM \(ledgerTable) WHERE sha256 = ANY($11::text[]) OR replaces && $11::text[]
            ON CONFLICT (sha256) DO NOTHING
            """, [segment.sha256, segment.name, segment.header.cluster, segment.header.captureId, String(segment.header.windowStart),
                  String(segment.header.windowEnd), String(segment.footer.recordCount), String(settings.transformVersion), settings.json,
                  settings.fingerprint, PostgresArray.text(segment.replaces)])
    }

    /// The settings the ledger's rows were loaded with (distinct), and how many rows predate
    /// recorded settings.
    package func settings() throws(DatabaseError) -> (settings: [RecordedSettings], unrecorded: Int) {
        let rows = try connection.execute("""
            SELECT settings, count(*) FROM \(ledgerTable) GROUP BY settings ORDER BY min(loaded_at), settings
            """).rows
        var found: [RecordedSettings] = []
        var unrecorded = 0
        for row in rows {
            if let json = row[0], let settings = RecordedSettings(json: json) {
                if !found.contains(settings) { found.append(settings) }
            } else {
                unrecorded += Int(row[1] ?? "0") ?? 0
            }
        }
        return (found, unrecorded)
    }

    /// Nil when `requested` agrees with every recorded row (rows without recorded settings
    /// are not held against it).
    package func settingsMismatch(_ requested: RecordedSettings) throws(DatabaseError) -> SettingsMismatch? {
        let loaded = try settings().settings
        guard loaded.contains(where: { $0 != requested }) else { return nil }
        return SettingsMismatch(loaded: loaded, requested: requested)
    }

    /// How many loaded segments predate days (migration 0009: their history is not split by day).
    package func segmentsBeforeDays() throws(DatabaseError) -> Int {
        Int(try connection.execute("SELECT count(*) FROM \(ledgerTable) WHERE NOT by_day").rows.first?[0] ?? "0") ?? 0
    }

    /// The newest loaded data of each cluster (never later than its load), and its last load.
    package func freshness() throws(DatabaseError) -> [(cluster: String, dataEnd: Int64?, loadedAt: Int64?)] {
        try connection.execute("""
            SELECT cluster, extract(epoch FROM max(least(data_end, loaded_at)))::bigint, extract(epoch FROM max(loaded_at))::bigint
            FROM \(ledgerTable) GROUP BY cluster ORDER BY cluster
            """).rows.map { ($0[0] ?? "", $0[1].flatMap { Int64($0) }, $0[2].flatMap { Int64($0) }) }
    }

    /// The end of the newest loaded data, over every cluster.
    package func newestDataEnd() throws(DatabaseError) -> Int64? {
        try connection.execute("SELECT extract(epoch FROM max(data_end))::bigint FROM \(ledgerTable)").rows.first?[0].flatMap { Int64($0) }
    }

    /// Every cluster with a loaded segment, sorted.
    package func clusters() throws(DatabaseError) -> [String] {
        try connection.execute("SELECT DISTINCT cluster FROM \(ledgerTable) ORDER BY cluster").rows.compactMap { $0[0] }
    }

    /// Loaded segments whose data touch `[start, end)` and were folded by a transform older than `version`.
    package func segmentsOlder(thanTransformVersion version: Int, from start: Int64, to end: Int64) throws(DatabaseError) -> Int {
        Int(try connection.execute("""
            SELECT count(*) FROM \(ledgerTable) WHERE transform_version < $3 AND data_end > to_timestamp($1) AND data_start < to_timestamp($2)
            """, [String(start), String(end), String(version)]).rows.first?[0] ?? "0") ?? 0
    }

    /// The coverage rows (captured ranges and gaps) that touch `[start, end)`, of `clusters` (nil: all).
    package func coverage(from start: Int64, to end: Int64, clusters: [String]? = nil) throws(DatabaseError) -> [CoverageRange] {
        var sql = """
            SELECT cluster, extract(epoch FROM range_start)::bigint, extract(epoch FROM range_end)::bigint, kind, reason
            FROM \(coverageTable) WHERE range_end > to_timestamp($1) AND range_start < to_timestamp($2)
            """
        var parameters: [String?] = [String(start), String(end)]
        if let clusters {
            sql += " AND cluster = ANY($3::text[])"
            parameters.append(PostgresArray.text(clusters))
        }
        return try connection.execute(sql, parameters).rows.map { row in
            CoverageRange(cluster: row[0] ?? "", start: Int64(row[1] ?? "") ?? 0, end: Int64(row[2] ?? "") ?? 0,
                        captured: row[3] == "captured", reason: row[4] ?? "")
        }
    }
}
