import TrailDatabase

/// Replay's last step: the shadow tables, built aside, replace the live ones in one
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

    /// Inside the caller's transaction: live tables out, shadow tables in, names restored.
    public static func swap(_ connection: PostgresConnection) throws(DatabaseError) {
        for (live, shadow) in ProjectionTables.shadow.all {
            try connection.execute("ALTER TABLE \(live) RENAME TO \(live)_previous")
            try connection.execute("ALTER TABLE \(shadow) RENAME TO \(live)")
            try connection.execute("DROP TABLE \(live)_previous")
        }
        // Give the new tables' indexes the names a fresh migration gives them.
        let indexes = try connection.execute("""
            SELECT c.relname, t.relname FROM pg_index i
            JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_class t ON t.oid = i.indrelid
            JOIN pg_namespace n ON n.oid = t.relnamespace
            WHERE n.nspname = current_schema() AND t.relname IN ('edge', 'edge_wide', 'load_ledger', 'coverage')
            """)
        for row in indexes.rows {
            guard let index = row[0], let table = row[1] else { continue }
            let wanted: String
            if index.hasSuffix("_pkey") || index.contains("pkey") {
                wanted = "\(table)_pkey"
            } else if table == "load_ledger" {
                wanted = "load_ledger_cluster_data"
            } else if table == "coverage" {
                wanted = "coverage_cluster_range"
            } else {
                continue
            }
            if index != wanted {
                try connection.execute("ALTER INDEX \(quoted(index)) RENAME TO \(wanted)")
            }
        }
    }

    static func quoted(_ identifier: String) -> String {
        "\"" + identifier.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
