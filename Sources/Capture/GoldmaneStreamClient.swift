import Foundation
import GoldmaneAPI
import GRPCCore
import GRPCNIOTransportHTTP2
import GRPCProtobuf

/// One `/goldmane.Flows/Stream` call over mutual TLS, handing each item's bytes to `onItem`
/// until it returns false, the stream ends, or the task is cancelled.
struct GoldmaneStreamClient: Sendable {
    let endpoint: GoldmaneEndpoint
    let security: HTTP2ClientTransport.Posix.TransportSecurity

    /// The receive limit: a FlowResult is a few hundred bytes; grpc-go's default is 4 MiB.
    static let maxMessageBytes = 16 << 20

    static let method = MethodDescriptor(fullyQualifiedService: "goldmane.Flows", method: "Stream")

    init(endpoint: GoldmaneEndpoint) throws(CaptureError) {
        self.endpoint = endpoint
        if endpoint.insecure {
            security = .plaintext
            return
        }
        for (name, path) in [("client certificate (TLS_CERT_PATH)", endpoint.certificatePath), ("client key (TLS_KEY_PATH)", endpoint.keyPath)]
        where !FileManager.default.isReadableFile(atPath: path) {
            throw CaptureError(.configuration, "cannot read the \(name) at \(path): mount the client key pair there, or set the path")
        }
        let bundle = try PEMBundle.certificates(atPath: endpoint.caPath)
        try ClientCredentials.check(endpoint: endpoint, bundle: bundle)
        let roots = bundle.map { TLSConfig.CertificateSource.bytes(Array($0.utf8), format: .pem) }
        security = .mTLS(
            certificateChain: [.file(path: endpoint.certificatePath, format: .pem)],
            privateKey: .file(path: endpoint.keyPath, format: .pem)
        ) { config in
            config.trustRoots = .certificates(roots)
        }
    }

    /// Streams from `startTimeGte` (absolute Unix seconds: a replay from that bucket, then live).
    /// `onEnd` hears how the call ended (nil: status OK, or `onItem` returned false) as soon as
    /// it does, before the connection is shut down (which can take seconds).
    func stream(
        startTimeGte: Int64, onItem: @escaping @Sendable ([UInt8]) async -> Bool,
        onEnd: @escaping @Sendable ((any Error)?) -> Void = { _ in }
    ) async throws {
        let serverName = endpoint.serverName
        let transport = try HTTP2ClientTransport.Posix(
            target: .dns(host: endpoint.host, port: endpoint.port),
            transportSecurity: security,
            config: .defaults { config in
                config.http2.authority = serverName
                // Goldmane (grpc-go defaults) answers pings more often than every 5 minutes
                // with GOAWAY too_many_pings.
                config.connection.keepalive = .init(time: .seconds(300), timeout: .seconds(20), allowWithoutCalls: false)
                config.backoff = .init(initial: .seconds(1), max: .seconds(10), multiplier: 2, jitter: 0.2)
            })
        var request = Goldmane_FlowStreamRequest()
        request.startTimeGte = startTimeGte
        var options = CallOptions.defaults
        options.waitForReady = false  // fail fast, with the reason, instead of waiting forever
        options.maxResponseMessageBytes = Self.maxMessageBytes
        try await withGRPCClient(transport: transport) { client in
            try await client.serverStreaming(
                request: ClientRequest(message: request), descriptor: Self.method,
                serializer: ProtobufSerializer<Goldmane_FlowStreamRequest>(), deserializer: RawFlowResultDeserializer(),
                options: options
            ) { response in
                do {
                    for try await message in response.messages {
                        if await !onItem(message) { break }
                    }
                } catch {
                    onEnd(error)
                    throw error
                }
                onEnd(nil)
            }
        }
    }
}
