import Foundation
import Load
import TrailDatabase

/// A throwaway database on the PostgreSQL server that scripts/with-postgres.sh started
/// (`make test` runs the Swift tests inside it, with PGHOST, PGPORT and PGUSER set), dropped
/// when the test ends. Connections name only the database: libpq takes the rest from PG*.
final class TestDatabase {
    static var available: Bool { ProcessInfo.processInfo.environment["PGHOST"] != nil }

    let name = "swift_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(12).lowercased()
    private let admin: PostgresConnection

    init() throws {
        admin = try PostgresConnection(conninfo: "dbname=trail")
        try admin.execute("CREATE DATABASE \(name)")
    }

    deinit {
        _ = try? admin.execute("DROP DATABASE IF EXISTS \(name) WITH (FORCE)")
    }

    func connect() throws -> PostgresConnection {
        try PostgresConnection(conninfo: "dbname=\(name)")
    }

    /// A writer's connection, as the command line makes one: migrated, the writer lock held.
    func writer() throws -> PostgresConnection {
        let connection = try connect()
        try Migrator.migrate(connection)
        try WriterLock.acquire(connection, waitSeconds: 10)
        return connection
    }

    /// Everything the jobs write, ordered, minus load times: equal dumps are equal tables.
    func dump(_ connection: PostgresConnection) throws -> [String: [[String?]]] {
        [
            "edge": try connection.execute("SELECT * FROM edge ORDER BY cluster, src_ns, dst_ns, action").rows,
            "edge_wide": try connection.execute("SELECT * FROM edge_wide ORDER BY cluster, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13").rows,
            "edge_daily": try connection.execute("SELECT * FROM edge_daily ORDER BY cluster, day, src_ns, dst_ns, action").rows,
            "edge_wide_daily": try connection.execute("SELECT * FROM edge_wide_daily ORDER BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15").rows,
            "ledger": try connection.execute("""
                SELECT sha256, segment, cluster, window_start, window_end, data_start, data_end, items, batch_edge_rows,
                       batch_wide_rows, transform_version, settings, settings_fingerprint FROM load_ledger ORDER BY sha256
                """).rows,
            "coverage": try connection.execute("SELECT * FROM coverage ORDER BY sha256, range_start, kind").rows,
            "policy_flow": try connection.execute("SELECT * FROM policy_flow ORDER BY cluster, day, flow_id").rows,
            "load_failures": try connection.execute("SELECT segment, reason FROM load_failures ORDER BY segment").rows,
        ]
    }
}
