import TrailSupport

/// Why a capture could not do its job, and what to do next. Carries no key material.
package typealias CaptureError = StageError<CaptureErrorCode>

/// What went wrong in a capture, for the code that retries, settles a gap or exits.
package enum CaptureErrorCode: ErrorCode {
    /// Certificates, keys or flags are missing or unreadable.
    case configuration
    /// Goldmane cannot be reached (refused, no route, DNS).
    case unreachable
    /// The TLS handshake failed; the message names the cause.
    case tls
    /// The TLS handshake failed because Goldmane's certificate is not signed by a CA in the
    /// bundle (BoringSSL's verification failed). BoringSSL reports an expired certificate so
    /// too: `StreamFailure.refine` reads the certificate to tell which. Exits as `.tls` does.
    case untrustedServerCertificate
    /// The archive cannot be written or recovered.
    case archive
    /// Goldmane answered with an error status.
    case rpc
    /// A message was over the receive limit (the stream fails there; a retry may pass).
    case tooLarge
    /// Another capture of the same cluster archive is running.
    case busy
    /// The server closed the connection right after the TLS handshake: a Goldmane going
    /// away (a restart, a rollout) or, when it persists, a client certificate it rejects
    /// (TLS 1.3 reports a rejection so). Retried; `StreamRead` names it a rejection when
    /// every attempt ends so.
    case closedAfterHandshake
    /// The archive's bucket failed (unreachable 69, forbidden 77, no bucket 78) or an upload
    /// could not be confirmed: the exit status of the store's failure.
    case upload(ExitStatus)

    package var exitStatus: ExitStatus {
        switch self {
        case .configuration: .config
        case .unreachable, .rpc, .tooLarge, .closedAfterHandshake: .unavailable
        case .tls, .untrustedServerCertificate: .tlsFailed
        case .archive: .ioError
        case .busy: .tempFail
        case .upload(let status): status
        }
    }
}
