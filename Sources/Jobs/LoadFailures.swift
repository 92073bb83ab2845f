import Foundation
import TrailDatabase

/// The `load_failures` table: the segments etl could not load, with the latest reason, so
/// that one bad segment is visible (to `health`, to an operator) without blocking the rest.
/// Rows of segments no longer in the archive are removed; a segment that loads loses its row.
struct LoadFailures {
    let connection: PostgresConnection

    init(connection: PostgresConnection, archiveNames: Set<String>) {
        self.connection = connection
        let names = (try? connection.execute("SELECT segment FROM load_failures").rows.compactMap { $0[0] }) ?? []
        for name in names where !archiveNames.contains(name) {
            _ = try? connection.execute("DELETE FROM load_failures WHERE segment = $1", [name])
        }
    }

    /// Records the failure; a failure to record it becomes a warning for `warn`.
    func record(_ path: String, _ reason: String, warn: (String) -> Void) {
        let name = (path as NSString).lastPathComponent
        do {
            try connection.execute("""
                INSERT INTO load_failures (segment, reason) VALUES ($1, $2)
                ON CONFLICT (segment) DO UPDATE SET reason = EXCLUDED.reason, last_failed_at = now(),
                    attempts = load_failures.attempts + 1
                """, [name, reason])
        } catch {
            warn("cannot record the failure of \(name) in load_failures: \(error.description)")
        }
    }

    func clear(_ path: String) {
        _ = try? connection.execute("DELETE FROM load_failures WHERE segment = $1", [(path as NSString).lastPathComponent])
    }
}
