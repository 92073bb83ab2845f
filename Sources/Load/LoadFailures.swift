import TrailDatabase

extension Ledger {
    /// A segment etl could not load.
    package struct Failure: Sendable, Equatable {
        package var segment: String
        package var reason: String
        package var attempts: Int
    }

    /// Every row of `load_failures`, by segment name.
    package func failures() throws(DatabaseError) -> [Failure] {
        try connection.execute("SELECT segment, reason, attempts FROM load_failures ORDER BY segment").rows.map {
            Failure(segment: $0[0] ?? "?", reason: $0[1] ?? "", attempts: Int($0[2] ?? "1") ?? 1)
        }
    }

    /// Records that `segment` (a file name) could not be loaded, with the latest reason.
    package func recordFailure(_ segment: String, reason: String) throws(DatabaseError) {
        try connection.execute("""
            INSERT INTO load_failures (segment, reason) VALUES ($1, $2)
            ON CONFLICT (segment) DO UPDATE SET reason = EXCLUDED.reason, last_failed_at = now(),
                attempts = load_failures.attempts + 1
            """, [segment, reason])
    }

    /// `segment` loaded: it is no longer failing.
    package func clearFailure(_ segment: String) throws(DatabaseError) {
        try connection.execute("DELETE FROM load_failures WHERE segment = $1", [segment])
    }

    /// Forgets the failures of segments that left the archive (`names`: the archive's segments).
    package func forgetFailures(notIn names: Set<String>) throws(DatabaseError) {
        let failing = try connection.execute("SELECT segment FROM load_failures").rows.compactMap { $0[0] }
        for name in failing where !names.contains(name) {
            try connection.execute("DELETE FROM load_failures WHERE segment = $1", [name])
        }
    }
}
