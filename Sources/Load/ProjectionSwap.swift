import TrailDatabase

/// Replay's last step: the shadow tables, built aside, replace the live ones' rows in one
/// transaction, so readers see the old tables or the new ones, never a mix.
public enum ProjectionSwap {
    /// Drops leftovers of an earlier replay and creates empty shadow tables shaped like the live ones.
    public static func prepareShadow(_ connection: PostgresConnection) throws(DatabaseError) {
        for (live, shadow) in ProjectionTables.shadow.all {
            try connection.execute("DROP TABLE IF EXISTS \(shadow)")
            try connection.execute("CREATE TABLE \(shadow) (LIKE \(live) INCLUDING ALL)")
            // LIKE does not copy storage parameters (the fillfactor): carry them over.
            let options = try connection.execute(
                "SELECT unnest(reloptions) FROM pg_class WHERE oid = $1::regclass", [live]).rows.compactMap { $0[0] }
            for option in options where option.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "=" || $0 == "." }) {
                try connection.execute("ALTER TABLE \(shadow) SET (\(option))")
            }
        }
    }

    /// Removes the shadow tables (after a failed replay); failures are ignored.
    public static func dropShadow(_ connection: PostgresConnection) {
        for (_, shadow) in ProjectionTables.shadow.all {
            _ = try? connection.execute("DROP TABLE IF EXISTS \(shadow)")
        }
    }

    /// Inside the caller's transaction: the live tables' rows are replaced by the shadow
    /// tables' rows, and the shadow tables dropped. The live tables stay the same tables
    /// (no rename, no new relation), so MVCC holds for every reader at every isolation level:
    /// a snapshot taken before the commit, even in a REPEATABLE READ transaction that reads
    /// the tables only afterwards, sees the old rows; one taken after sees the new rows.
    /// Readers are never blocked (DELETE and INSERT take row locks only).
    public static func swap(_ connection: PostgresConnection) throws(DatabaseError) {
        for (live, shadow) in ProjectionTables.shadow.all {
            try connection.execute("DELETE FROM \(live)")
            try connection.execute("INSERT INTO \(live) SELECT * FROM \(shadow)")
            try connection.execute("DROP TABLE \(shadow)")
        }
    }
}
