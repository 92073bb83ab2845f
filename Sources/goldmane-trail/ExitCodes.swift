import TrailSupport

/// A failure the command line finds itself (a missing path, an unwritable output): thrown,
/// logged once at the top (`GoldmaneTrail.main`), and exited with `status`.
func fail(_ message: String, code status: ExitStatus) -> JobFailure {
    JobFailure(status, message)
}
