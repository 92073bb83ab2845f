import Foundation
import GoldmaneAPI
import GRPCCore
import GRPCNIOTransportHTTP2
import GRPCProtobuf

/// How to reach Goldmane over mutual TLS, checked before anything connects.
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

    /// Runs `body` with one connection to Goldmane for the whole capture run: a gRPC client
    /// whose transport reconnects by itself, so a read costs a call, not a TLS handshake.
    func withConnection<Result: Sendable>(_ body: (GoldmaneConnection) async throws -> Result) async throws -> Result {
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
        return try await withGRPCClient(transport: transport) { client in
            try await body(GoldmaneConnection(client: client, endpoint: endpoint))
        }
    }
}

/// One connection's calls: `/goldmane.Flows/Stream`, handing each item's bytes to `onItem`
/// until it returns false, the stream ends, or the task is cancelled.
struct GoldmaneConnection: Sendable {
    let client: GRPCClient<HTTP2ClientTransport.Posix>
    let endpoint: GoldmaneEndpoint

    /// Streams from `startTimeGte` (absolute Unix seconds: a replay from that bucket, then live).
    /// `onEnd` hears how the call ended (nil: status OK, or `onItem` returned false).
    func stream(
        startTimeGte: Int64, onItem: @escaping @Sendable ([UInt8]) async -> Bool,
        onEnd: @escaping @Sendable ((any Error)?) -> Void = { _ in }
    ) async throws {
        var request = Goldmane_FlowStreamRequest()
        request.startTimeGte = startTimeGte
        var options = CallOptions.defaults
        options.waitForReady = false  // fail fast, with the reason, instead of waiting forever
        options.maxResponseMessageBytes = GoldmaneStreamClient.maxMessageBytes
        // grpc-swift-nio-transport 2.x checks a response message against the call's request
        // limit (4 MiB by default), not the response limit: both are set, or the limit is 4 MiB.
        options.maxRequestMessageBytes = GoldmaneStreamClient.maxMessageBytes
        try await client.serverStreaming(
            request: ClientRequest(message: request), descriptor: GoldmaneStreamClient.method,
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
