import Foundation

/// Where Goldmane is and how to trust it, from the environment names of the system this
/// replaces (and Whisker), with flags overriding them.
package struct GoldmaneEndpoint: Sendable {
    package var host: String
    package var port: Int
    /// The TLS server name (SNI, certificate check and `:authority`). Goldmane's certificate
    /// carries its service DNS names only, so this defaults to the host without its port.
    package var serverName: String
    package var certificatePath: String
    package var keyPath: String
    package var caPath: String
    /// Plaintext, only when asked for explicitly (GOLDMANE_TLS_INSECURE=true or --insecure).
    package var insecure: Bool

    package static let defaultHost = "goldmane.calico-system.svc:7443"
    package static let defaultCertificatePath = "/etc/goldmane-client-tls/tls.crt"
    package static let defaultKeyPath = "/etc/goldmane-client-tls/tls.key"
    package static let defaultCAPath = "/etc/tigera-ca/tigera-ca-bundle.crt"

    /// `hostPort` is `host:port` (port 7443 when omitted; `[v6]:port` for IPv6).
    package init(hostPort: String, serverName: String?, certificatePath: String, keyPath: String, caPath: String, insecure: Bool) throws(CaptureError) {
        let (host, port) = try Self.split(hostPort)
        self.host = host
        self.port = port
        self.serverName = (serverName?.isEmpty == false) ? serverName! : host
        self.certificatePath = certificatePath
        self.keyPath = keyPath
        self.caPath = caPath
        self.insecure = insecure
    }

    static func split(_ hostPort: String) throws(CaptureError) -> (String, Int) {
        var text = Substring(hostPort)
        if text.hasPrefix("https://") { text = text.dropFirst(8) }
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { throw CaptureError(.configuration, "GOLDMANE_HOST \(hostPort): unclosed [") }
            let host = String(text[text.index(after: text.startIndex)..<close])
            let rest = text[text.index(after: close)...]
            guard rest.isEmpty || rest.hasPrefix(":"), let port = rest.isEmpty ? 7443 : Int(rest.dropFirst()) else {
                throw CaptureError(.configuration, "GOLDMANE_HOST \(hostPort): bad port")
            }
            return (host, port)
        }
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard !parts.isEmpty, !parts[0].isEmpty, parts.count <= 2 else {
            throw CaptureError(.configuration, "GOLDMANE_HOST \(hostPort) is not host:port")
        }
        guard parts.count == 1 || (Int(parts[1]).map { (1...65535).contains($0) } ?? false) else {
            throw CaptureError(.configuration, "GOLDMANE_HOST \(hostPort): the port is not a number from 1 to 65535")
        }
        return (String(parts[0]), parts.count == 2 ? Int(parts[1])! : 7443)
    }

    package var displayName: String { "\(host):\(port)" }
}
