import Foundation
import TrailDatabase

/// One writer at a time: load, etl and replay hold a session advisory lock for their whole
/// run. A second writer waits up to `waitSeconds`, then fails with `.lockTimeout` (exit 75), so
/// a CronJob retries later instead of interleaving with the first.
package enum WriterLock {
    package static func acquire(_ connection: PostgresConnection, waitSeconds: Double) throws(DatabaseError) {
        let deadline = Date().addingTimeInterval(waitSeconds)
        while true {
            let got = try connection.execute("SELECT pg_try_advisory_lock($1)", [String(AdvisoryLocks.writer)])
            if got.rows.first?.first == "t" { return }
            guard Date() < deadline else {
                let holder = try? connection.execute("""
                    SELECT a.pid, a.application_name, a.backend_start FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
                    WHERE l.locktype = 'advisory' AND l.granted AND (l.classid::bigint << 32 | l.objid::bigint) = $1 LIMIT 1
                    """, [String(AdvisoryLocks.writer)])
                let who = holder?.rows.first.map { "process \($0[0] ?? "?") (\($0[1] ?? "?"), connected since \($0[2] ?? "?"))" } ?? "another process"
                throw DatabaseError(.lockTimeout, "another writer holds the lock: \(who); waited \(Int(waitSeconds)) s. Run again when it finishes.")
            }
            Thread.sleep(forTimeInterval: 0.2)
        }
    }

    package static func release(_ connection: PostgresConnection) {
        _ = try? connection.execute("SELECT pg_advisory_unlock($1)", [String(AdvisoryLocks.writer)])
    }
}
