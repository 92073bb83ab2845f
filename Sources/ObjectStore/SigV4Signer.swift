import Crypto
import Foundation
import TrailFormat

/// AWS Signature Version 4 for requests signed in the Authorization header (the
/// `AWS4-HMAC-SHA256` scheme), checked against AWS's published test suite and the S3
/// documentation's worked examples (Tests/ObjectStoreTests). The payload is always signed by
/// its SHA-256 (never aws-chunked: Ceph RGW refuses checksum trailers).
package struct SigV4Signer: Sendable {
    package static let algorithm = "AWS4-HMAC-SHA256"
    /// SHA-256 of nothing: the payload hash of a request without a body.
    package static let emptyPayloadHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

    /// How the request's path becomes the canonical URI.
    package enum PathCanonicalization: Sendable {
        /// S3: the path exactly as sent (already URI-encoded once, segment by segment).
        case asSent
        /// Every other service: dot segments and repeated slashes removed, then each segment
        /// URI-encoded (again, if it was encoded).
        case normalized
    }

    package var accessKeyId: String
    package var secretAccessKey: String
    package var region: String
    package var service: String
    package var pathCanonicalization: PathCanonicalization

    package init(accessKeyId: String, secretAccessKey: String, region: String, service: String = "s3") {
        self.accessKeyId = accessKeyId
        self.secretAccessKey = secretAccessKey
        self.region = region
        self.service = service
        pathCanonicalization = service == "s3" ? .asSent : .normalized
    }

    /// The canonical request and its signed header list. `headers` are every header that is
    /// signed, as they will be sent (names in any case; a repeated name's values are joined
    /// in order).
    package func canonicalRequest(method: String, path: String, query: String, headers: [(String, String)], payloadHash: String)
        -> (request: String, signedHeaders: String)
    {
        var merged: [String: [String]] = [:]
        for (name, value) in headers {
            merged[name.lowercased(), default: []].append(Self.trimmed(value))
        }
        let names = merged.keys.sorted()
        let canonicalHeaders = names.map { "\($0):\(merged[$0]!.joined(separator: ","))\n" }.joined()
        let signedHeaders = names.joined(separator: ";")
        let request = [method, canonicalURI(path), Self.canonicalQuery(query), canonicalHeaders, signedHeaders, payloadHash]
            .joined(separator: "\n")
        return (request, signedHeaders)
    }

    /// The string to sign for `canonicalRequest` at `date` (yyyyMMdd'T'HHmmss'Z').
    package func stringToSign(canonicalRequest: String, date: String) -> String {
        [Self.algorithm, date, scope(date: date), Self.hex(SHA256.hash(data: Data(canonicalRequest.utf8)))].joined(separator: "\n")
    }

    /// The signature of `stringToSign` made on `date`'s day (hex).
    package func signature(stringToSign: String, date: String) -> String {
        let day = String(date.prefix(8))
        var key = SymmetricKey(data: Data(("AWS4" + secretAccessKey).utf8))
        for part in [day, region, service, "aws4_request"] {
            key = SymmetricKey(data: Data(HMAC<SHA256>.authenticationCode(for: Data(part.utf8), using: key)))
        }
        return Self.hex(HMAC<SHA256>.authenticationCode(for: Data(stringToSign.utf8), using: key))
    }

    /// The Authorization header's value for a request whose signed headers are `headers`
    /// (they must include `x-amz-date` with `date`, and `host`).
    package func authorization(method: String, path: String, query: String, headers: [(String, String)], payloadHash: String, date: String) -> String {
        let (request, signedHeaders) = canonicalRequest(method: method, path: path, query: query, headers: headers, payloadHash: payloadHash)
        let signature = signature(stringToSign: stringToSign(canonicalRequest: request, date: date), date: date)
        return "\(Self.algorithm) Credential=\(accessKeyId)/\(scope(date: date)), SignedHeaders=\(signedHeaders), Signature=\(signature)"
    }

    func scope(date: String) -> String { "\(date.prefix(8))/\(region)/\(service)/aws4_request" }

    func canonicalURI(_ path: String) -> String {
        switch pathCanonicalization {
        case .asSent:
            return path.isEmpty ? "/" : path
        case .normalized:
            var segments: [Substring] = []
            for segment in path.split(separator: "/", omittingEmptySubsequences: true) {
                if segment == "." { continue }
                if segment == ".." { _ = segments.popLast(); continue }
                segments.append(segment)
            }
            let trailing = path.hasSuffix("/") && !segments.isEmpty ? "/" : ""
            return "/" + segments.map { Self.uriEncode(String($0)) }.joined(separator: "/") + trailing
        }
    }

    /// The query's parameters decoded, encoded again strictly, sorted by name then value.
    static func canonicalQuery(_ query: String) -> String {
        guard !query.isEmpty else { return "" }
        let pairs = query.split(separator: "&", omittingEmptySubsequences: true).map { parameter -> (String, String) in
            let parts = parameter.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = uriEncode(percentDecoded(parts[0]))
            let value = parts.count > 1 ? uriEncode(percentDecoded(parts[1])) : ""
            return (name, value)
        }
        return pairs.sorted { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1 < $1.1 }.map { "\($0.0)=\($0.1)" }.joined(separator: "&")
    }

    /// A header value with its ends trimmed and each run of spaces made one space; the lines
    /// of a folded (multi-line) value joined by commas, as the test suite canonicalizes them.
    static func trimmed(_ value: String) -> String {
        value.split(separator: "\n", omittingEmptySubsequences: true)
            .map { $0.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" }).joined(separator: " ") }
            .filter { !$0.isEmpty }
            .joined(separator: ",")
    }

    /// RFC 3986 percent-encoding of every byte but the unreserved ones (A-Z a-z 0-9 - _ . ~),
    /// as AWS requires; with `keepSlash`, '/' too (an object key in a path).
    package static func uriEncode(_ text: String, keepSlash: Bool = false) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            case UInt8(ascii: "/") where keepSlash:
                out.append("/")
            default:
                out += "%" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2)
            }
        }
        return out
    }

    static func percentDecoded(_ text: Substring) -> String {
        var bytes: [UInt8] = []
        var index = text.utf8.startIndex
        let utf8 = text.utf8
        while index < utf8.endIndex {
            let byte = utf8[index]
            if byte == UInt8(ascii: "%"), let high = utf8.index(index, offsetBy: 1, limitedBy: utf8.endIndex), high < utf8.endIndex,
               let low = utf8.index(high, offsetBy: 1, limitedBy: utf8.endIndex), low < utf8.endIndex,
               let value = UInt8(String(decoding: [utf8[high], utf8[low]], as: UTF8.self), radix: 16)
            {
                bytes.append(value)
                index = utf8.index(after: low)
            } else {
                bytes.append(byte)
                index = utf8.index(after: index)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    package static func hex(_ bytes: some Sequence<UInt8>) -> String {
        bytes.map { String($0, radix: 16).leftPadded(to: 2) }.joined()
    }

    /// The x-amz-date form of `date`: yyyyMMdd'T'HHmmss'Z' in UTC.
    package static func amzDate(_ date: Date) -> String {
        UTCTime.compact(Int64(date.timeIntervalSince1970.rounded(.down)))
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
