import TrailSupport

/// A database failure: what went wrong and what to do next. Never carries a password:
/// messages from libpq are redacted before they are kept.
package struct DatabaseError: Error, CustomStringConvertible, Sendable {
    package enum Code: Sendable, Equatable {
        /// The server cannot be reached (refused, no route, no such socket, timeout).
        case unreachable
        /// The server refused the credentials.
        case authentication
        /// The database named does not exist.
        case missingDatabase
        /// Another connection problem.
        case connection
        /// Another writer holds the lock for longer than we wait.
        case lockTimeout
        /// A statement failed.
        case query
        /// The input cannot be loaded as it is (partly loaded, overlapping).
        case refused
    }

    package var code: Code
    package var message: String
    /// The SQLSTATE of a failed statement, when there is one.
    package var sqlState: String?

    package init(_ code: Code, _ message: String, sqlState: String? = nil) {
        self.code = code
        self.message = message
        self.sqlState = sqlState
    }

    package var description: String { message }

    /// True for a statement refused because of the values it carried (SQLSTATE class 22, data
    /// exception, or 23, integrity violation): a problem of the input, not of the database.
    package var isDataError: Bool {
        guard code == .query, let sqlState else { return false }
        return sqlState.hasPrefix("22") || sqlState.hasPrefix("23")
    }

    /// Sorts a libpq connection failure into what an operator can act on, by libpq's text:
    /// libpq gives a connection failure no SQLSTATE (only `PQconnectionNeedsPassword`, which
    /// the connection checks first), so its English wording is the documented fallback, and a
    /// wording not recognised here falls through to `.connection` (exit 69), never to a wrong code.
    static func connectionFailure(_ text: String) -> DatabaseError {
        let lower = text.lowercased()
        if lower.contains("password authentication failed") || lower.contains("no password supplied")
            || lower.contains("authentication failed") || lower.contains("pg_hba.conf") {
            return DatabaseError(.authentication, "database authentication failed: \(text) (check the user and password in DATABASE_URL or PGPASSWORD)")
        }
        if lower.contains("database") && lower.contains("does not exist") {
            return DatabaseError(.missingDatabase, "\(text) (create it, or fix the database name in DATABASE_URL / PGDATABASE)")
        }
        if lower.contains("connection refused") || lower.contains("could not connect") || lower.contains("no such file or directory")
            || lower.contains("timeout expired") || lower.contains("could not translate host name") || lower.contains("network is unreachable")
            || lower.contains("no route to host") {
            return DatabaseError(.unreachable, "database unreachable: \(text) (is PostgreSQL running, and are host and port in DATABASE_URL / PGHOST right?)")
        }
        return DatabaseError(.connection, "cannot connect to the database: \(text)")
    }
}

extension DatabaseError: TrailError {
    package var exitStatus: ExitStatus { code.exitStatus }
}

extension DatabaseError.Code {
    package var exitStatus: ExitStatus {
        switch self {
        case .unreachable, .connection: .unavailable
        case .authentication: .noPermission
        case .missingDatabase: .config
        case .lockTimeout: .tempFail
        case .query: .software
        case .refused: .dataError
        }
    }
}
