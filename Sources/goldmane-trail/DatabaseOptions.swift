import ArgumentParser
import Load
import TrailDatabase

/// How the database jobs connect. The target comes from the environment only (a password
/// on a command line would show in `ps`): `DATABASE_URL`, a libpq URI or keyword string
/// (`postgresql://user@host:5432/db?sslmode=verify-full`), or, when unset, libpq's `PG*`
/// variables and defaults, exactly as psql reads them.
struct DatabaseOptions: ParsableArguments {
    @Option(help: "Seconds to wait for another writer (load, etl, replay) to finish before giving up with exit 75.")
    var lockWait: Double = 300

    /// Connects and brings the schema up to date (every database job does both).
    func connect() throws -> PostgresConnection {
        let connection = try PostgresConnection()
        let applied = try Migrator.migrate(connection)
        if !applied.isEmpty { Diagnostics.info("applied migrations: \(applied.joined(separator: ", "))") }
        return connection
    }

    /// Connects, migrates and takes the writer lock.
    func connectAsWriter() throws -> PostgresConnection {
        let connection = try connect()
        try WriterLock.acquire(connection, waitSeconds: lockWait)
        PausePoint.locked.reach()
        return connection
    }
}
