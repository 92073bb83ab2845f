import Foundation

/// Where Goldmane is and how to trust it, from the environment names of the system this
/// replaces (and Whisker), with flags overriding them.
public struct GoldmaneEndpoint: Sendable {
    public var host: String
    public var port: Int
    /// The TLS server name (SNI, certificate check and `:authority`). Goldmane's certificate
    /// carries its service DNS names only, so this defaults to the host without its port.
    public var serverName: String
    public var certificatePath: String
    public var keyPath: String
    public var caPath: String
    /// Plaintext, only when asked for explicitly (GOLDMANE_TLS_INSECURE=true or --insecure).
    public var insecure: Bool

    public static let defaultHost = "goldmane.calico-system.svc:7443"
    public static let defaultCertificatePath = "/etc/goldmane-client-tls/tls.crt"
    public static let defaultKeyPath = "/etc/goldmane-client-tls/tls.key"
    public static let defaultCAPath = "/etc/tigera-ca/tigera-ca-bundle.crt"

    /// `hostPort` is `host:port` (port 7443 when omitted; `[v6]:port` for IPv6).
    public init(hostPort: String, serverName: String?, certificatePath: String, keyPath: String, caPath: String, insecure: Bool) throws(CaptureError) {
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

    public var displayName: String { "\(host):\(port)" }
}
