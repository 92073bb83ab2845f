import TrailSupport

/// Why a capture could not do its job, and what to do next. Carries no key material.
package struct CaptureError: TrailError, Sendable, Equatable {
    package enum Code: Sendable, Equatable {
        /// Certificates, keys or flags are missing or unreadable.
        case configuration
        /// Goldmane cannot be reached (refused, no route, DNS).
        case unreachable
        /// The TLS handshake failed; the message names the cause.
        case tls
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
    }

    package var code: Code
    package var message: String

    package init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    package var description: String { message }

    package var exitStatus: ExitStatus {
        switch code {
        case .configuration: .config
        case .unreachable, .rpc, .tooLarge, .closedAfterHandshake: .unavailable
        case .tls: .tlsFailed
        case .archive: .ioError
        case .busy: .tempFail
        }
    }
}
