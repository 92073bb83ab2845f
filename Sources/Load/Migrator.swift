import Foundation
import TrailDatabase

/// Applies `migrations/*.sql` (shipped inside the binary's resources) in name order, each
/// once, recorded in `schema_migrations`. Every job that touches the database runs it first;
/// it is idempotent and safe to run from several processes at once.
package enum Migrator {
    package struct Migration: Sendable {
        package var version: String
        package var sql: String
    }

    /// The migrations this build carries.
    package static func bundled() throws(DatabaseError) -> [Migration] {
        guard let directory = Bundle.module.url(forResource: "migrations", withExtension: nil) else {
            throw DatabaseError(.query, "the migrations are missing from this build's resources (goldmane-trail_Load.resources next to the binary)")
        }
        let files: [URL]
        do {
            files = try FileManager.default.contentsOfDirectory(at: directory, includingPropertiesForKeys: nil)
                .filter { $0.pathExtension == "sql" }
                .sorted { $0.lastPathComponent < $1.lastPathComponent }
        } catch {
            throw DatabaseError(.query, "cannot list the migrations: \(error.localizedDescription)", cause: error)
        }
        var migrations: [Migration] = []
        for file in files {
            guard let sql = try? String(contentsOf: file, encoding: .utf8) else {
                throw DatabaseError(.query, "cannot read migration \(file.lastPathComponent)")
            }
            migrations.append(Migration(version: file.deletingPathExtension().lastPathComponent, sql: sql))
        }
        return migrations
    }

    /// Applies what is missing; returns the versions applied now.
    @discardableResult
    package static func migrate(_ connection: PostgresConnection) throws(DatabaseError) -> [String] {
        let migrations = try bundled()
        try connection.execute("BEGIN")
        do throws(DatabaseError) {
            try connection.execute("SELECT pg_advisory_xact_lock($1)", [String(AdvisoryLocks.migrations)])
            try connection.execute("""
                CREATE TABLE IF NOT EXISTS schema_migrations (
                    version text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())
                """)
            let applied = Set(try connection.execute("SELECT version FROM schema_migrations").rows.compactMap { $0[0] })
            var appliedNow: [String] = []
            for migration in migrations where !applied.contains(migration.version) {
                try connection.executeScript(migration.sql)
                try connection.execute("INSERT INTO schema_migrations (version) VALUES ($1)", [migration.version])
                appliedNow.append(migration.version)
            }
            try connection.execute("COMMIT")
            return appliedNow
        } catch {
            _ = try? connection.execute("ROLLBACK")
            throw error
        }
    }
}

/// PostgreSQL advisory lock keys (arbitrary, fixed: "gmtrail" in ASCII, plus a purpose).
package enum AdvisoryLocks {
    package static let migrations: Int64 = 0x676D_7472_6169_6C01
    /// Held by the one writer (load, etl, replay) for the whole run.
    package static let writer: Int64 = 0x676D_7472_6169_6C02
}
