import Foundation
import TrailSupport
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Posts to a Slack incoming webhook. Retries 429 (after `Retry-After`) and 5xx and
/// transport failures (with doubling backoff); gives up with Slack's status and error text.
/// The URL is a secret: no message, log line or error ever contains it.
package struct SlackWebhook: Sendable {
    package var url: URL
    package var attempts: Int
    package var backoff: Double
    /// The longest `Retry-After` honoured; a longer one ends the run (the CronJob retries).
    package var maxRetryAfter: Double
    package var timeout: Double

    package init(url: URL, attempts: Int = 4, backoff: Double = 1, maxRetryAfter: Double = 60, timeout: Double = 30) {
        self.url = url
        self.attempts = attempts
        self.backoff = backoff
        self.maxRetryAfter = maxRetryAfter
        self.timeout = timeout
    }

    /// Parses `SLACK_WEBHOOK_URL`; an error never repeats it.
    package static func url(from text: String) throws(ReportError) -> URL {
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), scheme == "https" || scheme == "http", url.host != nil else {
            throw ReportError(.slackRejected, "SLACK_WEBHOOK_URL is not an http(s) URL (its value is not shown: it is a secret)")
        }
        return url
    }

    package struct Outcome: Sendable, Equatable {
        package var status: Int
        package var attempts: Int
    }

    /// Posts `body` (JSON). `log` hears about each retry.
    package func post(_ body: [UInt8], log: @Sendable (String) -> Void = { _ in }) async throws(ReportError) -> Outcome {
        var request = URLRequest(url: url, timeoutInterval: timeout)
        request.httpMethod = "POST"
        request.setValue("application/json; charset=utf-8", forHTTPHeaderField: "Content-Type")
        request.httpBody = Data(body)
        var lastProblem = ""
        var delay = backoff
        for attempt in 1...max(1, attempts) {
            let wait: Double
            do {
                let (data, response) = try await URLSession.shared.data(for: request)
                let status = (response as? HTTPURLResponse)?.statusCode ?? 0
                let text = Self.errorText(data, redact: redact)
                if (200..<300).contains(status) { return Outcome(status: status, attempts: attempt) }
                lastProblem = "HTTP \(status)" + (text.isEmpty ? "" : " \(text)")
                if status == 429 {
                    let retryAfter = (response as? HTTPURLResponse)?.value(forHTTPHeaderField: "Retry-After").flatMap(Double.init) ?? delay
                    guard retryAfter <= maxRetryAfter else {
                        throw ReportError(.slackUnavailable, "Slack rate-limited the digest (\(lastProblem)) and asked to wait \(Int(retryAfter)) s, more than the \(Int(maxRetryAfter)) s this run waits; the next run will post")
                    }
                    wait = retryAfter
                } else if status >= 500 {
                    wait = delay
                } else {
                    throw ReportError(.slackRejected, "Slack refused the digest: \(lastProblem) (check the webhook in SLACK_WEBHOOK_URL and the channel in SLACK_CHANNEL; channel_not_found means the webhook's app is not in that channel)")
                }
            } catch let error as ReportError {
                throw error
            } catch {
                lastProblem = Self.describe(error)
                wait = delay
            }
            if attempt < attempts {
                log("Slack post attempt \(attempt) failed (\(lastProblem)); retrying in \(Self.seconds(wait))")
                try? await Task.sleep(nanoseconds: UInt64(max(0, wait) * 1_000_000_000))
                delay *= 2
            }
        }
        // No cause: a transport error (URLError) carries the webhook URL, a secret.
        throw ReportError(.slackUnavailable, "Slack post failed after \(attempts) attempts: \(lastProblem)")
    }

    /// The URL's path and query hold the webhook's token: never repeat any part of them,
    /// raw or encoded, even if a server echoes it.
    func redact(_ text: String) -> String { SecretRedaction(Self.secretParts(of: url))(text) }

    /// The whole URL, its path, each path segment but Slack's fixed ones, the query and each
    /// of its names and values, the user and password.
    static func secretParts(of url: URL) -> [String] {
        var parts = [url.absoluteString, url.path(percentEncoded: true), url.path(percentEncoded: false), url.user(percentEncoded: true), url.password(percentEncoded: true)].compactMap { $0 }
        parts += url.pathComponents.filter { !["/", "services", "triggers", "workflows", "hooks"].contains($0) }
        if let query = url.query {
            parts.append(query)
            parts += query.split(separator: "&").flatMap { $0.split(separator: "=") }.map(String.init)
        }
        return parts
    }

    /// Slack's error text (`channel_not_found`, `invalid_payload`): redacted whole first (a
    /// secret cut in two by the length limit would escape), then one line of at most 200
    /// characters.
    static func errorText(_ data: Data, redact: (String) -> String) -> String {
        let text = redact(String(decoding: data.prefix(1 << 16), as: UTF8.self))
        let line = text.unicodeScalars.map { $0.properties.generalCategory == .control ? " " : String($0) }.joined()
        return String(line.trimmingCharacters(in: .whitespaces).prefix(200))
    }

    /// A transport failure by its kind, never by its text (URLSession's text includes the URL).
    static func describe(_ error: any Error) -> String {
        guard let urlError = error as? URLError else { return "the request failed (\(type(of: error)))" }
        switch urlError.code {
        case .cannotConnectToHost: return "connection refused"
        case .cannotFindHost, .dnsLookupFailed: return "the webhook's host name does not resolve"
        case .timedOut: return "timed out"
        case .networkConnectionLost: return "the connection was lost"
        case .notConnectedToInternet: return "no network"
        case .secureConnectionFailed, .serverCertificateUntrusted, .serverCertificateHasBadDate, .serverCertificateNotYetValid,
             .serverCertificateHasUnknownRoot:
            return "TLS failed"
        default: return "network error \(urlError.code.rawValue)"
        }
    }

    static func seconds(_ value: Double) -> String {
        value == value.rounded() ? "\(Int(value)) s" : "\(value) s"
    }
}
