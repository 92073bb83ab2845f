/// What every job error is: a message that says what went wrong and what to do next (never a
/// secret), and the exit status it ends the process with. The command line logs it once, at
/// the top, and exits with `exitStatus`.
package protocol TrailError: Error, CustomStringConvertible {
    var exitStatus: ExitStatus { get }
}

/// A job's own failure that is none of the stages' errors.
package struct JobFailure: TrailError, Sendable {
    package var exitStatus: ExitStatus
    package var message: String

    package init(_ exitStatus: ExitStatus, _ message: String) {
        self.exitStatus = exitStatus
        self.message = message
    }

    package var description: String { message }
}
