/// What a stage's error code is: a value code can switch on, and the exit status it ends
/// the process with. Each stage has its own (`CaptureErrorCode`, `DatabaseErrorCode`, ...);
/// `ExitStatus` is its own code, for a job's failure that is none of the stages'.
package protocol ErrorCode: Sendable, Equatable {
    var exitStatus: ExitStatus { get }
}

/// The one shape of every stage's error (after swift-nio's `FileSystemError`): a code, a
/// message and a cause. Each stage names its specialization (`CaptureError`, `ReportError`,
/// `DatabaseError`, ...) and adds its helpers in an `extension StageError where Code == ...`.
///
/// - `code` is for programmatic handling: what went wrong, in the terms a caller acts on
///   (retry, skip the input, explain a missing table), and the exit status it ends with.
///   Nothing decides by the text of a message of ours: the only text matches left are on
///   libpq's wording (`DatabaseError.connectionFailure`) and BoringSSL's (`StreamFailure`).
/// - `message` is for the operator: what went wrong and what to do next. It never carries
///   a secret (a password, a key, the webhook URL); it is what the command line logs, once.
/// - `cause` is the underlying error, when there is one (an `RPCError`, a `LibPQError`, the
///   `DatabaseError` under a `ReportError`): kept for debugging and for classification by
///   its type or code, never shown raw unless the message already quotes it. Like the
///   message, it holds no secret: libpq's text is redacted first, and an error that names
///   one (a `URLError` naming the Slack webhook, a parser's error about a private key) is
///   not kept.
package struct StageError<Code: ErrorCode>: TrailError, Sendable {
    package var code: Code
    package var message: String
    package var cause: (any Error & Sendable)?

    package init(_ code: Code, _ message: String, cause: (any Error & Sendable)? = nil) {
        self.code = code
        self.message = message
        self.cause = cause
    }

    package var description: String { message }

    package var exitStatus: ExitStatus { code.exitStatus }
}

/// Two errors are equal when their code and message are: what a test or a caller compares.
/// The cause is left out (an underlying error need not be `Equatable`).
extension StageError: Equatable {
    package static func == (lhs: StageError, rhs: StageError) -> Bool {
        lhs.code == rhs.code && lhs.message == rhs.message
    }
}
