import Foundation
import NIOCore
import NIOPosix
import NIOSSL
import Synchronization

/// After a handshake fails with BoringSSL's bare CERTIFICATE_VERIFY_FAILED, looks at the
/// certificate the server presents (on a separate connection that verifies nothing and sends
/// nothing) to say why: expired or not yet valid. The connection is closed as soon as the
/// certificate is seen; no data is exchanged.
enum ServerCertificateProbe {
    /// What is wrong with the server's leaf certificate's dates, or nil when nothing is (or it
    /// cannot be seen).
    static func dateProblem(endpoint: GoldmaneEndpoint, now: Date = Date()) async -> String? {
        guard let leaf = await leafCertificate(endpoint: endpoint) else { return nil }
        let formatter = ISO8601DateFormatter()
        let notAfter = Date(timeIntervalSince1970: TimeInterval(leaf.notValidAfter))
        let notBefore = Date(timeIntervalSince1970: TimeInterval(leaf.notValidBefore))
        if now > notAfter { return "Goldmane's certificate is past its validity: it expired on \(formatter.string(from: notAfter))" }
        if now < notBefore { return "Goldmane's certificate is not valid until \(formatter.string(from: notBefore)) (check the clocks)" }
        return nil
    }

    private static func leafCertificate(endpoint: GoldmaneEndpoint) async -> NIOSSLCertificate? {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.certificateVerification = .none
        guard let context = try? NIOSSLContext(configuration: configuration) else { return nil }
        let seen = SeenCertificate()
        let serverName = endpoint.serverName
        let bootstrap = ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(.seconds(5))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let handler = try NIOSSLClientHandler(context: context, serverHostname: serverName) { certificates, promise in
                        seen.value.withLock { $0 = certificates.first }
                        promise.succeed(NIOSSLVerificationResult.failed)  // seen: end the handshake here
                    }
                    try channel.pipeline.syncOperations.addHandler(handler)
                }
            }
        guard let channel = try? await bootstrap.connect(host: endpoint.host, port: endpoint.port).get() else { return nil }
        try? await Task.sleep(for: .milliseconds(500))
        try? await channel.close().get()
        return seen.value.withLock { $0 }
    }
}

private final class SeenCertificate: Sendable {
    let value = Mutex<NIOSSLCertificate?>(nil)
}
