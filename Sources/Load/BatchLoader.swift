import TrailDatabase
import TrailFormat

/// Loads one edge batch in one transaction: the ledger rows of its inputs (with the settings
/// the batch was folded with), and the additive merge of its rows into the daily pieces and
/// the all-time tables, commit together or not at all. A batch whose inputs are all in the
/// ledger is skipped; one partly loaded, overlapping loaded data of the same cluster, or
/// folded with other settings than the tables were built with, is refused (loading it would
/// double count, or mix two models of identity).
package struct BatchLoader {
    package enum Outcome: Equatable, Sendable {
        case loaded(edgeRows: Int, wideRows: Int)
        case skipped(reason: String)
    }

    let connection: PostgresConnection
    let ledger: Ledger

    /// Settings the caller has already compared with the ledger's, under the writer lock
    /// (etl does once per run): batches folded with them skip the per-batch comparison.
    let verifiedSettings: RecordedSettings?

    package init(connection: PostgresConnection, verifiedSettings: RecordedSettings? = nil) {
        self.connection = connection
        self.ledger = Ledger(connection)
        self.verifiedSettings = verifiedSettings
    }

    /// Loads `batch`. Its inputs' ledger rows carry the batch's row counts, or, with
    /// `ledgerRows`, each input's own (a batch of segments folded together whose rows each
    /// segment's own fold would give: etl's chunks).
    package func load(_ batch: EdgeBatch, name: String, ledgerRows: ((BatchInput) -> (edges: Int, wide: Int))? = nil) throws(DatabaseError) -> Outcome {
        try connection.execute("BEGIN")
        do throws(DatabaseError) {
            if let skip = try checkInputs(batch, name: name) {
                try connection.execute("ROLLBACK")
                return .skipped(reason: skip)
            }
            try stage(batch)
            let oneDay = Set(batch.edges.compactMap(\.day)).union(batch.wide.flatMap(\.days)).count <= 1
            try connection.execute(ProjectionTables.mergeEdgeDaily)
            try connection.execute(oneDay ? ProjectionTables.mergeEdgeOneDay : ProjectionTables.mergeEdge)
            try connection.execute(ProjectionTables.mergeWideDaily)
            try connection.execute(oneDay ? ProjectionTables.mergeWideOneDay : ProjectionTables.mergeWide)
            try connection.execute(ProjectionTables.mergePolicy)
            PausePoint.merged.reach()
            if let ledgerRows {
                for input in batch.header.inputs {
                    let rows = ledgerRows(input)
                    try ledger.record([input], batchEdgeRows: rows.edges, batchWideRows: rows.wide, of: batch.header)
                }
            } else {
                try ledger.record(batch)
            }
            PausePoint.beforeCommit.reach()
            try connection.execute("COMMIT")
            return .loaded(edgeRows: batch.edges.count, wideRows: batch.wide.count)
        } catch {
            _ = try? connection.execute("ROLLBACK")
            throw error
        }
    }

    /// Copies `batch`'s rows into the temporary staging tables (dropped at commit), inside
    /// the caller's transaction.
    func stage(_ batch: EdgeBatch) throws(DatabaseError) {
        try connection.execute(ProjectionTables.stageEdge)
        try connection.execute(ProjectionTables.stageWide)
        try connection.execute(ProjectionTables.stagePolicy)
        try connection.copy("COPY stage_edge FROM STDIN", data: CopyText.edges(batch.edges))
        try connection.copy("COPY stage_wide FROM STDIN", data: CopyText.wide(batch.wide))
        try connection.copy("COPY stage_policy FROM STDIN", data: CopyText.policy(batch.policy))
        PausePoint.staged.reach()
    }

    /// Nil when the batch may be loaded; a reason when it is already loaded; throws when
    /// loading it would double count.
    private func checkInputs(_ batch: EdgeBatch, name: String) throws(DatabaseError) -> String? {
        let hashes = batch.header.inputs.map(\.sha256)
        guard !hashes.isEmpty else { return "\(name) has no inputs" }
        let settings = RecordedSettings(batch.header)
        if settings != verifiedSettings, let mismatch = try ledger.settingsMismatch(settings) {
            throw DatabaseError(.refused, "\(name): \(mismatch.description)", cause: mismatch)
        }
        let known = try ledger.known(hashes)
        if known.count == hashes.count { return "already loaded (every input is in the ledger)" }
        if !known.isEmpty {
            let names = batch.header.inputs.filter { known.contains($0.sha256) }.map(\.segment).joined(separator: ", ")
            throw DatabaseError(.refused, "\(name) mixes loaded and new segments (\(names) already loaded): its rows cannot be split. Load the new segments with `etl`, or rebuild with `replay`.")
        }
        for input in batch.header.inputs {
            guard let start = input.minStart, let end = input.maxEnd else { continue }
            if let overlap = try ledger.overlap(cluster: input.cluster, start: start, end: end) {
                let from = overlap.from.map(UTCTime.rfc3339) ?? "?"
                let to = overlap.to.map(UTCTime.rfc3339) ?? "?"
                throw DatabaseError(.refused, "\(input.segment) overlaps \(overlap.segment) of cluster \(input.cluster) from \(from) to \(to): loading it would count those buckets twice. If both belong in the archive, `replay` folds them together exactly; otherwise remove the duplicate segment.")
            }
        }
        return nil
    }
}
