import TrailSupport

/// A failure the command line finds itself (a missing path, an unwritable output): thrown,
/// logged once at the top (`GoldmaneTrail.main`), and exited with `status`. `cause` is the
/// error it comes from, when there is one.
func fail(_ message: String, code status: ExitStatus, cause: (any Error & Sendable)? = nil) -> JobFailure {
    JobFailure(status, message, cause: cause)
}
