import TrailDatabase
import TrailSupport

/// A report failure: what went wrong and what to do next. Never carries the webhook URL,
/// a password or row data beyond the names the report itself prints.
package typealias ReportError = StageError<ReportErrorCode>

/// What went wrong in a report, for the code that retries Slack or exits.
package enum ReportErrorCode: ErrorCode {
    /// The database failed; the underlying error (the cause) says how.
    case database(DatabaseErrorCode)
    /// The database has no goldmane-trail tables yet.
    case noSchema
    /// Slack could not be reached, or kept answering 429 or 5xx.
    case slackUnavailable
    /// Slack refused the message (4xx): a bad webhook, channel or payload.
    case slackRejected
    /// An argument is out of range (a window, a time).
    case badArgument
    /// Graphviz's `dot` is not installed or failed.
    case graphviz
    /// An output file cannot be written.
    case output
    /// Nothing to read in the window: a check over no data proves nothing.
    case noData
    /// The tables were built by a transform version without what this report reads: replay.
    case needsReplay

    package var exitStatus: ExitStatus {
        switch self {
        case .database(let code): code.exitStatus
        case .noSchema, .slackRejected: .config
        case .slackUnavailable, .graphviz: .unavailable
        case .badArgument: .usage
        case .output: .cannotCreate
        case .noData: .noInput
        case .needsReplay: .dataError
        }
    }
}

extension StageError where Code == ReportErrorCode {
    /// A database error, with a missing table explained as a database that was never loaded.
    /// The database error is kept as the cause.
    static func database(_ error: DatabaseError) -> ReportError {
        if error.sqlState == "42P01" {
            return ReportError(.noSchema, "the database has no goldmane-trail tables: run `goldmane-trail migrate` and an `etl` first, or check DATABASE_URL names the right database", cause: error)
        }
        return ReportError(.database(error.code), error.message, cause: error)
    }
}
