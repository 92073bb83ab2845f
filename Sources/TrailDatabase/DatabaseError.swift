import TrailSupport

/// A database failure: what went wrong and what to do next. Never carries a password:
/// messages from libpq are redacted before they are kept, in the message and in the cause.
/// What libpq itself reported, when it did, is the cause (a `LibPQError`).
package typealias DatabaseError = StageError<DatabaseErrorCode>

/// What went wrong with the database, for the code that skips an input, explains a missing
/// table or exits.
package enum DatabaseErrorCode: ErrorCode {
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

/// What libpq reported of a failure, redacted: the cause of a `DatabaseError` that comes
/// from libpq. Code decides by `sqlState`, never by `message`.
package struct LibPQError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The SQLSTATE of a failed statement; nil for a failure on the client side (a connection
    /// that could not be made or broke), which libpq gives no SQLSTATE.
    package var sqlState: String?
    /// libpq's primary message (of the server's error, or of libpq's own), with secrets redacted.
    package var message: String

    package init(sqlState: String?, message: String) {
        self.sqlState = sqlState
        self.message = message
    }

    package var description: String { sqlState.map { "\($0): \(message)" } ?? message }
}

extension StageError where Code == DatabaseErrorCode {
    /// The SQLSTATE of a failed statement, when there is one (libpq's, in the cause).
    package var sqlState: String? { (cause as? LibPQError)?.sqlState }

    /// True for a statement refused because of the values it carried (SQLSTATE class 22, data
    /// exception, or 23, integrity violation): a problem of the input, not of the database.
    package var isDataError: Bool {
        guard code == .query, let sqlState else { return false }
        return sqlState.hasPrefix("22") || sqlState.hasPrefix("23")
    }

    /// Sorts a libpq connection failure into what an operator can act on, by libpq's text:
    /// libpq gives a connection failure no SQLSTATE (only `PQconnectionNeedsPassword`, which
    /// the connection checks first), so its English wording is the documented fallback, and a
    /// wording not recognised here falls through to `.connection` (exit 69), never to a wrong
    /// code. This is the one place that reads libpq's wording; `text` (redacted) is kept as the
    /// cause.
    static func connectionFailure(_ text: String) -> DatabaseError {
        let cause = LibPQError(sqlState: nil, message: text)
        let lower = text.lowercased()
        if lower.contains("password authentication failed") || lower.contains("no password supplied")
            || lower.contains("authentication failed") || lower.contains("pg_hba.conf") {
            return DatabaseError(.authentication, "database authentication failed: \(text) (check the user and password in DATABASE_URL or PGPASSWORD)", cause: cause)
        }
        if lower.contains("database") && lower.contains("does not exist") {
            return DatabaseError(.missingDatabase, "\(text) (create it, or fix the database name in DATABASE_URL / PGDATABASE)", cause: cause)
        }
        if lower.contains("connection refused") || lower.contains("could not connect") || lower.contains("no such file or directory")
            || lower.contains("timeout expired") || lower.contains("could not translate host name") || lower.contains("network is unreachable")
            || lower.contains("no route to host") {
            return DatabaseError(.unreachable, "database unreachable: \(text) (is PostgreSQL running, and are host and port in DATABASE_URL / PGHOST right?)", cause: cause)
        }
        return DatabaseError(.connection, "cannot connect to the database: \(text)", cause: cause)
    }
}
