/// What every job error is: a message that says what went wrong and what to do next (never a
/// secret), and the exit status it ends the process with. The command line logs it once, at
/// the top, and exits with `exitStatus`. The stages' errors are `StageError`s; the errors that
/// name a place in an input file (`SegmentError`, `EdgeBatchError`) keep their own shape.
package protocol TrailError: Error, CustomStringConvertible {
    var exitStatus: ExitStatus { get }
}

/// A job's own failure that is none of the stages' errors: its code is the exit status
/// itself (`JobFailure(.noInput, "...")`).
package typealias JobFailure = StageError<ExitStatus>

extension ExitStatus: ErrorCode {
    /// An exit status is its own error code.
    package var exitStatus: ExitStatus { self }
}
