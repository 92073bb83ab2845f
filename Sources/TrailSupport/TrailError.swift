/// What every job error is: a message that says what went wrong and what to do next (never a
/// secret), and the exit status it ends the process with. The command line logs it once, at
/// the top, and exits with `exitStatus`.
public protocol TrailError: Error, CustomStringConvertible {
    var exitStatus: ExitStatus { get }
}

/// A job's own failure that is none of the stages' errors.
public struct JobFailure: TrailError, Sendable {
    public var exitStatus: ExitStatus
    public var message: String

    public init(_ exitStatus: ExitStatus, _ message: String) {
        self.exitStatus = exitStatus
        self.message = message
    }

    public var description: String { message }
}
