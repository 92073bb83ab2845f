import GRPCCore
import NIOCore
import NIOPosix
import NIOSSL

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Turns a failed stream into what an operator can act on. The real reason of a failed TLS
/// handshake is deep in `RPCError.cause`; this walks the chain and names it: first by the
/// errors' types and codes (gRPC status codes, NIOSSL's hostname validation, the errno of a
/// refused connection, a DNS failure), then, for what only text carries, by the text. The
/// text is the documented fallback: BoringSSL's alert and verification reasons reach Swift
/// only as text (NIOSSL keeps the packed error code private), and a new wording would fall
/// through to a generic "stream failed" naming the whole chain, never to a wrong cause. This
/// is the one place that reads BoringSSL's (and gRPC's) wording: everything after it decides
/// by the `CaptureErrorCode` it returns, and the failed stream is kept as the error's `cause`.
enum StreamFailure {
    /// Goldmane's service DNS names: the names its certificate carries.
    static let goldmaneNames = ["goldmane", "goldmane.calico-system", "goldmane.calico-system.svc", "goldmane.calico-system.svc.cluster.local"]

    static func describe(_ error: any Error, endpoint: GoldmaneEndpoint) -> CaptureError {
        var failure = classify(error, endpoint: endpoint)
        failure.cause = error
        return failure
    }

    /// What `describe` says of `error`, before it keeps `error` as the cause.
    private static func classify(_ error: any Error, endpoint: GoldmaneEndpoint) -> CaptureError {
        let chain = causes(of: error)
        let text = chain.joined(separator: " <- ")
        if let typed = typed(error, endpoint: endpoint, text: text) { return typed }
        let lower = text.lowercased()
        let certificate = endpoint.certificatePath
        if lower.contains("failedtovalidatehostname") || lower.contains("couldn't find") && lower.contains("certificate")
            || lower.contains("hostname") && lower.contains("mismatch") || lower.contains("cannotuseipaddressinsni") {
            return nameMismatch(endpoint, text)
        }
        if lower.contains("wrong_version_number") || lower.contains("wrong version number") || lower.contains("http_request")
            || lower.contains("unknown_protocol") {
            return CaptureError(.tls, "the server at \(endpoint.displayName) does not speak TLS (a plaintext server answered the TLS handshake): Goldmane always serves mutual TLS, so this is not Goldmane's port, or a proxy strips TLS. [\(text)]")
        }
        if let rpc = error as? RPCError, rpc.code == .resourceExhausted || lower.contains("exceeds the maximum") || lower.contains("too large")
            || lower.contains("maximum payload size") {
            return CaptureError(.tooLarge, "a message from Goldmane was over the \(GoldmaneStreamClient.maxMessageBytes >> 20) MiB receive limit: the stream ended there. [\(text)]")
        }
        if lower.contains("certificate_expired") || lower.contains("certificate has expired") || lower.contains("certificate expired") {
            let side = lower.contains("alert") ? "the client certificate \(certificate)" : "Goldmane's certificate"
            return CaptureError(.tls, "certificate expired: \(side) is past its validity. Renew it. [\(text)]")
        }
        if lower.contains("alert_unknown_ca") || lower.contains("alert unknown ca") || lower.contains("alert_bad_certificate")
            || lower.contains("alert bad certificate") || lower.contains("certificate_required") || lower.contains("certificate required")
            || lower.contains("alert_handshake_failure") && lower.contains("peer") {
            return CaptureError(.tls, "client certificate rejected by Goldmane: \(certificate) must be signed by a CA in Goldmane's bundle (goldmane-ca-bundle) and allow clientAuth. [\(text)]")
        }
        if lower.contains("certificate_verify_failed") || lower.contains("certificate verify failed") || lower.contains("unable to get local issuer")
            || lower.contains("self signed") || lower.contains("self-signed") {
            return CaptureError(.untrustedServerCertificate, "unknown certificate authority: Goldmane's certificate is not signed by a CA in \(endpoint.caPath). Use the real CA bundle (the tigera-ca-bundle ConfigMap), not Goldmane's own leaf. [\(text)]")
        }
        if !endpoint.insecure && lower.contains("closed the connection before completing the http/2 connection preface") {
            // With TLS 1.3 the server checks the client certificate after the client has
            // finished its handshake, and a rejection arrives as the connection closing; so
            // does a Goldmane going away mid-connection. Retried; `StreamRead` names it a
            // rejection when it persists.
            return CaptureError(.closedAfterHandshake, "Goldmane closed the connection right after the TLS handshake (Goldmane restarting or rolling out; if it persists, it rejects the client certificate). [\(text)]")
        }
        if lower.contains("connection refused") || lower.contains("connectionrefused") || lower.contains("econnrefused") {
            return refused(endpoint, text)
        }
        if lower.contains("name or service not known") || lower.contains("nodename nor servname") || lower.contains("no address") {
            return unresolved(endpoint, text)
        }
        if let rpc = error as? RPCError, rpc.code == .unimplemented {
            return CaptureError(.rpc, "Goldmane does not serve /goldmane.Flows/Stream at \(endpoint.displayName) (is this Goldmane?). [\(text)]")
        }
        return CaptureError(.unreachable, "stream failed: \(text)")
    }

    /// BoringSSL reports every failed verification of the server's certificate alike; when
    /// its dates are the reason, say so (a probe connection reads the certificate).
    static func refine(_ failure: CaptureError, endpoint: GoldmaneEndpoint) async -> CaptureError {
        guard failure.code == .untrustedServerCertificate,
              let problem = await ServerCertificateProbe.dateProblem(endpoint: endpoint) else { return failure }
        return CaptureError(.tls, "certificate expired or not yet valid: \(problem). Renew it (calico-system/goldmane-key-pair), or check the clocks.", cause: failure)
    }

    /// Whether reconnecting can help.
    static func isTransient(_ failure: CaptureError) -> Bool {
        failure.code == .unreachable || failure.code == .tooLarge || failure.code == .closedAfterHandshake
    }

    /// Whether connections closed right after the TLS handshake, `attempts` reads in a row over
    /// `seconds`, are a client certificate rejection rather than a Goldmane going away: a
    /// restart or a rollout passes within seconds (the next attempt is refused, or succeeds).
    /// Attempts, not only time: grpc-swift fails a call at once with the last error while its
    /// channel backs off, so one closure can end several reads.
    static func persists(attempts: Int, seconds: Double) -> Bool {
        attempts >= 3 && seconds >= 6
    }

    /// The rejection a closure after the handshake means when it persists.
    static func clientCertificateRejected(_ failure: CaptureError, endpoint: GoldmaneEndpoint, attempts: Int) -> CaptureError {
        CaptureError(.tls, "client certificate rejected by Goldmane: the server closed the connection right after the TLS handshake \(attempts) times in a row, which is how TLS 1.3 reports a client certificate it does not trust. \(endpoint.certificatePath) must be signed by a CA in Goldmane's bundle (goldmane-ca-bundle) and allow clientAuth. [\(failure.message)]", cause: failure)
    }

    /// The causes a type or a code names, whatever their wording.
    static func typed(_ error: any Error, endpoint: GoldmaneEndpoint, text: String) -> CaptureError? {
        for cause in errors(of: error) {
            if let ssl = cause as? NIOSSLExtraError, ssl == .failedToValidateHostname || ssl == .serverHostnameImpossibleToMatch {
                return nameMismatch(endpoint, text)
            }
            if let connection = cause as? NIOConnectionError {
                if connection.connectionErrors.isEmpty, connection.dnsAError != nil || connection.dnsAAAAError != nil {
                    return unresolved(endpoint, text)
                }
                if !connection.connectionErrors.isEmpty, connection.connectionErrors.allSatisfy({ ($0.error as? IOError)?.errnoCode == ECONNREFUSED }) {
                    return refused(endpoint, text)
                }
            }
            if let io = cause as? IOError, io.errnoCode == ECONNREFUSED { return refused(endpoint, text) }
        }
        return nil
    }

    static func nameMismatch(_ endpoint: GoldmaneEndpoint, _ text: String) -> CaptureError {
        CaptureError(.tls, "server name mismatch: Goldmane's certificate is not valid for \"\(endpoint.serverName)\". Set GOLDMANE_SERVER_NAME (or --server-name) to a name in its certificate; Goldmane's are \(goldmaneNames.joined(separator: ", ")). [\(text)]")
    }

    static func unresolved(_ endpoint: GoldmaneEndpoint, _ text: String) -> CaptureError {
        CaptureError(.unreachable, "cannot resolve \(endpoint.host): check GOLDMANE_HOST. [\(text)]")
    }

    static func refused(_ endpoint: GoldmaneEndpoint, _ text: String) -> CaptureError {
        CaptureError(.unreachable, "connection refused by \(endpoint.displayName): is Goldmane running, and is the port right (7443)? [\(text)]")
    }

    /// The error and its causes, outermost first.
    static func errors(of error: any Error) -> [any Error] {
        var chain: [any Error] = []
        var current: (any Error)? = error
        while let error = current, chain.count < 8 {
            chain.append(error)
            current = (error as? RPCError)?.cause ?? (error as? RuntimeError)?.cause
        }
        return chain
    }

    static func causes(of error: any Error) -> [String] {
        var chain: [String] = []
        var current: (any Error)? = error
        var depth = 0
        while let error = current, depth < 8 {
            if let rpc = error as? RPCError {
                chain.append("RPCError \(rpc.code): \(rpc.message)")
                current = rpc.cause
            } else if let runtime = error as? RuntimeError {
                chain.append("\(runtime.code): \(runtime.message)")
                current = runtime.cause
            } else {
                chain.append(String(describing: error))
                current = nil
            }
            depth += 1
        }
        return chain
    }
}
