import TrailDatabase
import TrailFormat

/// Loads one edge batch in one transaction: the ledger rows of its inputs (with the settings
/// the batch was folded with) and the additive merge of its rows commit together or not at
/// all. A batch whose inputs are all in the ledger is skipped; one partly loaded, overlapping
/// loaded data of the same cluster, or folded with other settings than the tables were built
/// with, is refused (loading it would double count, or mix two models of identity).
public struct BatchLoader {
    public enum Outcome: Equatable, Sendable {
        case loaded(edgeRows: Int, wideRows: Int)
        case skipped(reason: String)
    }

    let connection: PostgresConnection
    let tables: ProjectionTables
    /// Check the ledger for what is already loaded and for overlaps (replay, which builds
    /// fresh tables from inputs it has deduplicated itself, does not need to).
    let checkLedger: Bool

    /// Settings the caller has already compared with the ledger's, under the writer lock
    /// (etl does once per run): batches folded with them skip the per-batch comparison.
    let verifiedSettings: RecordedSettings?

    public init(connection: PostgresConnection, tables: ProjectionTables = .live, checkLedger: Bool = true,
                verifiedSettings: RecordedSettings? = nil) {
        self.connection = connection
        self.tables = tables
        self.checkLedger = checkLedger
        self.verifiedSettings = verifiedSettings
    }

    public func load(_ batch: EdgeBatch, name: String) throws(DatabaseError) -> Outcome {
        try connection.execute("BEGIN")
        do throws(DatabaseError) {
            if checkLedger, let skip = try checkInputs(batch, name: name) {
                try connection.execute("ROLLBACK")
                return .skipped(reason: skip)
            }
            try merge(batch)
            PausePoint.beforeCommit.reach()
            try connection.execute("COMMIT")
            return .loaded(edgeRows: batch.edges.count, wideRows: batch.wide.count)
        } catch {
            _ = try? connection.execute("ROLLBACK")
            throw error
        }
    }

    /// Stages, merges and records `batch` inside the caller's transaction.
    public func merge(_ batch: EdgeBatch) throws(DatabaseError) {
        try mergeRows(batch)
        try recordInputs(batch)
    }

    /// Merges `batch`'s rows (edge, wide and policy) inside the caller's transaction, without ledger
    /// rows (replay records its segments' ledger rows from their own batches).
    public func mergeRows(_ batch: EdgeBatch) throws(DatabaseError) {
        try connection.execute(ProjectionTables.stageEdge)
        try connection.execute(ProjectionTables.stageWide)
        try connection.execute(ProjectionTables.stagePolicy)
        try connection.copy("COPY stage_edge FROM STDIN", data: CopyText.edges(batch.edges))
        try connection.copy("COPY stage_wide FROM STDIN", data: CopyText.wide(batch.wide))
        try connection.copy("COPY stage_policy FROM STDIN", data: CopyText.policy(batch.policy))
        PausePoint.staged.reach()
        try connection.execute(tables.mergeEdge)
        try connection.execute(tables.mergeWide)
        try connection.execute(tables.mergePolicy)
        PausePoint.merged.reach()
        // Several batches may be merged in one transaction: the next stages afresh.
        try connection.execute("DROP TABLE stage_edge, stage_wide, stage_policy")
    }

    /// Nil when the batch may be loaded; a reason when it is already loaded; throws when
    /// loading it would double count.
    private func checkInputs(_ batch: EdgeBatch, name: String) throws(DatabaseError) -> String? {
        let hashes = batch.header.inputs.map(\.sha256)
        guard !hashes.isEmpty else { return "\(name) has no inputs" }
        let settings = RecordedSettings(batch.header)
        if settings != verifiedSettings, let mismatch = try SettingsMismatch.check(connection, requested: settings, tables: tables) {
            throw DatabaseError(.refused, "\(name): \(mismatch.description)")
        }
        let known = Set(try connection.execute(
            "SELECT sha256 FROM \(tables.ledger) WHERE sha256 = ANY($1::text[])", ["{" + hashes.joined(separator: ",") + "}"]
        ).rows.compactMap { $0[0] })
        if known.count == hashes.count { return "already loaded (every input is in the ledger)" }
        if !known.isEmpty {
            let names = batch.header.inputs.filter { known.contains($0.sha256) }.map(\.segment).joined(separator: ", ")
            throw DatabaseError(.refused, "\(name) mixes loaded and new segments (\(names) already loaded): its rows cannot be split. Load the new segments with `etl`, or rebuild with `replay`.")
        }
        for input in batch.header.inputs {
            guard let start = input.minStart, let end = input.maxEnd else { continue }
            let overlaps = try connection.execute("""
                SELECT segment, extract(epoch FROM greatest(data_start, to_timestamp($2)))::bigint,
                       extract(epoch FROM least(data_end, to_timestamp($3)))::bigint
                FROM \(tables.ledger)
                WHERE cluster = $1 AND data_start < to_timestamp($3) AND data_end > to_timestamp($2)
                ORDER BY data_start LIMIT 3
                """, [input.cluster, String(start), String(end)])
            if let first = overlaps.rows.first {
                let from = first[1].flatMap { Int64($0) }.map(UTCTime.rfc3339) ?? "?"
                let to = first[2].flatMap { Int64($0) }.map(UTCTime.rfc3339) ?? "?"
                throw DatabaseError(.refused, "\(input.segment) overlaps \(first[0] ?? "a loaded segment") of cluster \(input.cluster) from \(from) to \(to): loading it would count those buckets twice. If both belong in the archive, `replay` folds them together exactly; otherwise remove the duplicate segment.")
            }
        }
        return nil
    }

    /// The ledger and coverage rows of `batch`'s inputs, with its row counts and settings.
    public func recordInputs(_ batch: EdgeBatch) throws(DatabaseError) {
        let settings = RecordedSettings(batch.header)
        for input in batch.header.inputs {
            try connection.execute("""
                INSERT INTO \(tables.ledger) (sha256, segment, cluster, capture_id, window_start, window_end, data_start, data_end,
                    items, batch_edge_rows, batch_wide_rows, transform_version, settings, settings_fingerprint)
                VALUES ($1, $2, $3, $4, to_timestamp($5), to_timestamp($6), to_timestamp($7), to_timestamp($8), $9, $10, $11, $12, $13, $14)
                """, [input.sha256, input.segment, input.cluster, input.captureId, String(input.windowStart), String(input.windowEnd),
                      input.minStart.map(String.init), input.maxEnd.map(String.init), String(input.records),
                      String(batch.edges.count), String(batch.wide.count), String(batch.header.transformVersion),
                      settings.json, settings.fingerprint])
            let ranges = input.coverage.captured.map { ($0.from, $0.to, "captured", "") }
                + input.coverage.gaps.map { ($0.from, $0.to, "gap", $0.reason) }
            for (from, to, kind, reason) in ranges {
                try connection.execute("""
                    INSERT INTO \(tables.coverage) (sha256, cluster, range_start, range_end, kind, reason)
                    VALUES ($1, $2, to_timestamp($3), to_timestamp($4), $5, $6)
                    """, [input.sha256, input.cluster, String(from), String(to), kind, reason])
            }
        }
    }
}
