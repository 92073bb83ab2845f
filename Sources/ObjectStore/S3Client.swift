import AsyncHTTPClient
import Crypto
import Foundation
import NIOCore
import NIOHTTP1

#if canImport(Glibc)
import Glibc
#endif

/// A small synchronous S3 client over AsyncHTTPClient: list, get (streamed into a file),
/// head, put (conditional), delete. Every request is signed with SigV4 and carries its
/// payload's SHA-256; network errors and 5xx answers are retried with backoff
/// (`S3Settings.attempts`). Called from synchronous job code (never from an event loop).
package final class S3Client: Sendable {
    package let settings: S3Settings
    let signer: SigV4Signer

    /// One client for the process (its event loops are NIO's singleton group).
    static let http: HTTPClient = {
        var configuration = HTTPClient.Configuration()
        configuration.timeout = .init(connect: .seconds(5), read: .seconds(30))
        configuration.redirectConfiguration = .disallow
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }()

    package init(settings: S3Settings) {
        self.settings = settings
        signer = SigV4Signer(accessKeyId: settings.accessKeyId, secretAccessKey: settings.secretAccessKey, region: settings.region)
    }

    /// An object's listing entry.
    package struct Object: Sendable, Equatable {
        package var key: String
        package var size: Int
        package var etag: String
    }

    /// What a HEAD of an object says.
    package struct ObjectInfo: Sendable, Equatable {
        package var size: Int
        /// Without quotes. For a single-part upload, the hex MD5 of the content.
        package var etag: String
    }

    // MARK: - Operations

    /// Every object whose key starts with `prefix`, in key order (ListObjectsV2, 1,000 a page).
    package func list(bucket: String, prefix: String) throws(ObjectStoreError) -> [Object] {
        var objects: [Object] = []
        var token: String? = nil
        repeat {
            // Keys come back percent-encoded: a key with a control character is not XML otherwise.
            var query = [("list-type", "2"), ("prefix", prefix), ("max-keys", "1000"), ("encoding-type", "url")]
            if let token { query.append(("continuation-token", token)) }
            let response = try perform(Request(method: .GET, bucket: bucket, key: nil, query: query, describe: "list s3://\(bucket)/\(prefix)"))
            try response.expect(200, request: "list s3://\(bucket)/\(prefix)", settings: settings, bucket: bucket)
            let page = try ListPage(xml: response.body, describing: "s3://\(bucket)/\(prefix)")
            objects += page.objects
            token = page.isTruncated ? page.nextToken : nil
            if page.isTruncated && token == nil {
                throw ObjectStoreError(.badResponse, "list s3://\(bucket)/\(prefix): the store said the listing goes on but gave no continuation token")
            }
        } while token != nil
        return objects
    }

    /// Writes the object's bytes to `descriptor` (from its current offset, truncated first on
    /// a retry) as they arrive; returns how many.
    package func get(bucket: String, key: String, into descriptor: Int32) throws(ObjectStoreError) -> Int {
        let start = lseek(descriptor, 0, SEEK_CUR)
        let response = try perform(Request(method: .GET, bucket: bucket, key: key), download: descriptor, downloadStart: start)
        try response.expect(200, request: "get s3://\(bucket)/\(key)", settings: settings, bucket: bucket)
        return response.downloaded
    }

    /// The object's size and ETag; nil when there is no such object.
    package func head(bucket: String, key: String) throws(ObjectStoreError) -> ObjectInfo? {
        let response = try perform(Request(method: .HEAD, bucket: bucket, key: key))
        if response.status == 404 { return nil }
        try response.expect(200, request: "head s3://\(bucket)/\(key)", settings: settings, bucket: bucket)
        guard let size = response.headers.first(name: "content-length").flatMap(Int.init) else {
            throw ObjectStoreError(.badResponse, "head s3://\(bucket)/\(key): no Content-Length in the answer")
        }
        return ObjectInfo(size: size, etag: Self.unquoted(response.headers.first(name: "etag") ?? ""))
    }

    /// The object's bytes (for small objects: the capture lock); nil when there is none.
    package func read(bucket: String, key: String) throws(ObjectStoreError) -> (bytes: [UInt8], etag: String)? {
        let response = try perform(Request(method: .GET, bucket: bucket, key: key))
        if response.status == 404, response.errorCode != "NoSuchBucket" { return nil }
        try response.expect(200, request: "get s3://\(bucket)/\(key)", settings: settings, bucket: bucket)
        return (response.body, Self.unquoted(response.headers.first(name: "etag") ?? ""))
    }

    /// How a put is conditioned.
    package enum PutCondition: Sendable {
        case none
        /// Only if no object has the key (`If-None-Match: *`): two writers never replace each other.
        case absent
        /// Only if the object's ETag is this one (`If-Match`): a compare-and-swap.
        case etag(String)
    }

    /// Puts `body` at `key`, sending its MD5 (the store checks it) and SHA-256 (signed).
    /// Returns the new ETag; a condition that does not hold throws `.preconditionFailed`.
    @discardableResult
    package func put(bucket: String, key: String, body: [UInt8], condition: PutCondition = .none, contentType: String = "application/octet-stream")
        throws(ObjectStoreError) -> String
    {
        var headers = [("content-md5", Data(Insecure.MD5.hash(data: body)).base64EncodedString()), ("content-type", contentType)]
        switch condition {
        case .none: break
        case .absent: headers.append(("if-none-match", "*"))
        // Ceph RGW (Pacific) compares If-Match without quotes; AWS accepts either.
        case .etag(let etag): headers.append(("if-match", etag))
        }
        let response = try perform(Request(method: .PUT, bucket: bucket, key: key, headers: headers, body: body))
        if response.status == 412 {
            throw ObjectStoreError(.preconditionFailed, "put s3://\(bucket)/\(key): \(condition.describe) did not hold")
        }
        try response.expect(200, request: "put s3://\(bucket)/\(key)", settings: settings, bucket: bucket)
        return Self.unquoted(response.headers.first(name: "etag") ?? "")
    }

    /// Deletes the object (no error when there is none).
    package func delete(bucket: String, key: String) throws(ObjectStoreError) {
        let response = try perform(Request(method: .DELETE, bucket: bucket, key: key))
        if response.status == 404, response.errorCode != "NoSuchBucket" { return }
        try response.expect(204, 200, request: "delete s3://\(bucket)/\(key)", settings: settings, bucket: bucket)
    }

    static func unquoted(_ etag: String) -> String {
        etag.count >= 2 && etag.hasPrefix("\"") && etag.hasSuffix("\"") ? String(etag.dropFirst().dropLast()) : etag
    }

    // MARK: - Requests

    struct Request {
        var method: HTTPMethod
        var bucket: String
        var key: String?
        var query: [(String, String)] = []
        var headers: [(String, String)] = []
        var body: [UInt8]? = nil
        /// How errors name the request (default: method and URL).
        var describe: String? = nil

        var name: String { describe ?? "\(method.rawValue) s3://\(bucket)/\(key ?? "")" }
    }

    struct Response {
        var status: Int
        var headers: HTTPHeaders
        /// The body, or for a download that went to a file, the error body (if any).
        var body: [UInt8]
        var downloaded: Int = 0

        /// The S3 error code of an error answer (`NoSuchBucket`, `AccessDenied`...).
        var errorCode: String? { ErrorBody(xml: body)?.code }

        /// Throws the error this answer is when its status is not one of `expected`.
        func expect(_ expected: Int..., request: String, settings: S3Settings, bucket: String) throws(ObjectStoreError) {
            guard !expected.contains(status) else { return }
            let error = ErrorBody(xml: body)
            let said = error.map { " \($0.code)\($0.message.isEmpty ? "" : ": \($0.message)")" } ?? ""
            switch status {
            case 403:
                throw ObjectStoreError(.forbidden, "\(request): access denied by \(settings.endpoint) (403\(said)): check AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, and that they may use bucket \(bucket)")
            case 404 where error?.code == "NoSuchBucket":
                throw ObjectStoreError(.noSuchBucket, "\(request): bucket \(bucket) does not exist at \(settings.endpoint): create it (aws s3 mb s3://\(bucket)) or fix --archive")
            case 404 where error != nil:
                throw ObjectStoreError(.noSuchKey, "\(request): no such object (404\(said))")
            case 404:
                throw ObjectStoreError(.badResponse, "\(request): \(settings.endpoint) answered 404 without an S3 error: not an S3 answer (is AWS_ENDPOINT_URL the S3 endpoint?)")
            default:
                throw ObjectStoreError(.badResponse, "\(request): \(settings.endpoint) answered \(status)\(said)")
            }
        }
    }

    /// Sends `request`, retrying network failures and 5xx/429 answers with backoff.
    func perform(_ request: Request, download descriptor: Int32? = nil, downloadStart: off_t = 0) throws(ObjectStoreError) -> Response {
        var delay = settings.firstBackoff
        var attempt = 1
        while true {
            let failure: String
            do {
                if let descriptor, attempt > 1 {
                    guard ftruncate(descriptor, downloadStart) == 0, lseek(descriptor, downloadStart, SEEK_SET) >= 0 else {
                        throw LocalWriteFailure(code: errno)
                    }
                }
                let response = try send(request, download: descriptor)
                guard response.status >= 500 || response.status == 429 else { return response }
                failure = "answered \(response.status)\(response.errorCode.map { " (\($0))" } ?? "")"
            } catch let error as LocalWriteFailure {
                throw ObjectStoreError(.spool, "\(request.name): cannot write the object to a local file: \(String(cString: strerror(error.code))) (is TMPDIR full?)", cause: error)
            } catch {
                failure = Self.describe(error)
            }
            guard attempt < settings.attempts else {
                throw ObjectStoreError(.unavailable, "\(request.name): \(settings.endpoint) \(failure), \(attempt) attempt\(attempt == 1 ? "" : "s"): is the store up and AWS_ENDPOINT_URL right? Run again when it is")
            }
            Thread.sleep(forTimeInterval: delay)
            delay *= 2
            attempt += 1
        }
    }

    /// One attempt.
    private func send(_ request: Request, download descriptor: Int32?) throws -> Response {
        let (url, host, path, query) = target(request)
        let body = request.body ?? []
        let payloadHash = body.isEmpty ? SigV4Signer.emptyPayloadHash : SigV4Signer.hex(SHA256.hash(data: body))
        let date = SigV4Signer.amzDate(Date())
        var signed = [("host", host), ("x-amz-date", date), ("x-amz-content-sha256", payloadHash)] + request.headers
        if let token = settings.sessionToken { signed.append(("x-amz-security-token", token)) }
        let authorization = signer.authorization(method: request.method.rawValue, path: path, query: query, headers: signed,
                                                 payloadHash: payloadHash, date: date)
        var headers = HTTPHeaders(signed)
        headers.add(name: "authorization", value: authorization)
        var httpRequest = try HTTPClient.Request(url: query.isEmpty ? url : url + "?" + query, method: request.method, headers: headers)
        if !body.isEmpty { httpRequest.body = .bytes(body) }
        let sink = ResponseSink(descriptor: descriptor)
        return try Self.http.execute(request: httpRequest, delegate: sink).wait()
    }

    /// The URL (without query), Host, canonical path and canonical query of `request`.
    func target(_ request: Request) -> (url: String, host: String, path: String, query: String) {
        let scheme = settings.endpoint.hasPrefix("https://") ? "https://" : "http://"
        let authority = String(settings.endpoint.dropFirst(scheme.count))
        let encodedKey = request.key.map { SigV4Signer.uriEncode($0, keepSlash: true) }
        let pairs: [(String, String)] = request.query.map { (SigV4Signer.uriEncode($0.0), SigV4Signer.uriEncode($0.1)) }
        let sorted = pairs.sorted { (a: (String, String), b: (String, String)) -> Bool in a.0 != b.0 ? a.0 < b.0 : a.1 < b.1 }
        let query = sorted.map { (pair: (String, String)) -> String in pair.0 + "=" + pair.1 }.joined(separator: "&")
        if settings.pathStyle {
            let keyPath: String = encodedKey.map { "/" + $0 } ?? ""
            let path = "/" + request.bucket + keyPath
            return (scheme + authority + path, authority, path, query)
        }
        let host = request.bucket + "." + authority
        let path = "/" + (encodedKey ?? "")
        return (scheme + host + path, host, path, query)
    }

    /// A network failure in words (never a header: no credential can appear).
    static func describe(_ error: any Error) -> String {
        if let error = error as? HTTPClientError {
            switch error {
            case .connectTimeout: return "did not accept a connection within 5 s"
            case .readTimeout: return "stopped answering for 30 s"
            case .remoteConnectionClosed: return "closed the connection"
            default: return "failed: \(error)"
            }
        }
        return "cannot be reached (\(error))"
    }
}

extension S3Client.PutCondition {
    var describe: String {
        switch self {
        case .none: "the put"
        case .absent: "If-None-Match: * (no object there yet)"
        case .etag(let etag): "If-Match: \(etag) (the object unchanged)"
        }
    }
}

/// A local file could not take the object's bytes.
struct LocalWriteFailure: Error {
    var code: Int32
}

/// Collects an answer: its head, and its body in memory, or for a successful download,
/// written straight to the file (so an object is never held whole in memory).
final class ResponseSink: HTTPClientResponseDelegate, @unchecked Sendable {
    typealias Response = S3Client.Response
    // AsyncHTTPClient calls a delegate on the request's event loop, one call at a time.
    private let descriptor: Int32?
    private var status = 0
    private var headers = HTTPHeaders()
    private var body: [UInt8] = []
    private var written = 0

    init(descriptor: Int32?) {
        self.descriptor = descriptor
    }

    func didReceiveHead(task: HTTPClient.Task<Response>, _ head: HTTPResponseHead) -> EventLoopFuture<Void> {
        status = Int(head.status.code)
        headers = head.headers
        return task.eventLoop.makeSucceededVoidFuture()
    }

    func didReceiveBodyPart(task: HTTPClient.Task<Response>, _ buffer: ByteBuffer) -> EventLoopFuture<Void> {
        if let descriptor, status == 200 {
            let failed: Int32? = buffer.withUnsafeReadableBytes { bytes in
                var done = 0
                while done < bytes.count {
                    let result = write(descriptor, bytes.baseAddress! + done, bytes.count - done)
                    if result < 0 {
                        if errno == EINTR { continue }
                        return errno
                    }
                    done += result
                }
                return nil
            }
            if let failed { return task.eventLoop.makeFailedFuture(LocalWriteFailure(code: failed)) }
            written += buffer.readableBytes
        } else if body.count < 1 << 20 || descriptor == nil {
            body += buffer.readableBytesView
        }
        return task.eventLoop.makeSucceededVoidFuture()
    }

    func didFinishRequest(task: HTTPClient.Task<Response>) throws -> Response {
        Response(status: status, headers: headers, body: body, downloaded: written)
    }
}
