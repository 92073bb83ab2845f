import Foundation

/// Where the store is and who we are, read the way every S3 tool reads it: AWS_ACCESS_KEY_ID,
/// AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_REGION (or AWS_DEFAULT_REGION; us-east-1),
/// AWS_ENDPOINT_URL_S3 or AWS_ENDPOINT_URL (Ceph RGW, MinIO, R2...). With an endpoint,
/// requests use path-style addressing (`ENDPOINT/BUCKET/KEY`); without, AWS's virtual-hosted
/// style. GOLDMANE_TRAIL_S3_ADDRESSING=path|virtual overrides. `description` holds no secret.
package struct S3Settings: Sendable, CustomStringConvertible {
    package var accessKeyId: String
    package var secretAccessKey: String
    package var sessionToken: String?
    package var region: String
    /// scheme://host[:port], without a trailing slash.
    package var endpoint: String
    package var pathStyle: Bool
    /// Attempts per request (network errors, 5xx): GOLDMANE_TRAIL_S3_ATTEMPTS, default 5.
    package var attempts: Int = 5
    /// The wait before the second attempt; it doubles after each (0.25 s: 3.75 s for five).
    package var firstBackoff: Double = 0.25

    package init(accessKeyId: String, secretAccessKey: String, sessionToken: String? = nil, region: String = "us-east-1",
                 endpoint: String, pathStyle: Bool) {
        self.accessKeyId = accessKeyId
        self.secretAccessKey = secretAccessKey
        self.sessionToken = sessionToken
        self.region = region
        self.endpoint = endpoint
        self.pathStyle = pathStyle
    }

    package static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment) throws(ObjectStoreError) -> S3Settings {
        func value(_ name: String) -> String? {
            guard let value = environment[name]?.trimmingCharacters(in: .whitespaces), !value.isEmpty else { return nil }
            return value
        }
        guard let key = value("AWS_ACCESS_KEY_ID"), let secret = value("AWS_SECRET_ACCESS_KEY") else {
            let missing = ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"].filter { value($0) == nil }
            throw ObjectStoreError(.configuration, "\(missing.joined(separator: " and ")) not set: an s3:// archive needs the bucket's keys in the environment (the Secret of deploy/overlays/s3)")
        }
        let region = value("AWS_REGION") ?? value("AWS_DEFAULT_REGION") ?? "us-east-1"
        let given = value("AWS_ENDPOINT_URL_S3") ?? value("AWS_ENDPOINT_URL")
        var endpoint = given ?? "https://s3.\(region).amazonaws.com"
        while endpoint.hasSuffix("/") { endpoint.removeLast() }
        if let url = URL(string: endpoint), url.user != nil || url.password != nil {
            // Never echoed: the part before @ may be a key.
            throw ObjectStoreError(.configuration, "AWS_ENDPOINT_URL holds credentials before the host (user:password@): give the keys in AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY and the endpoint as http(s)://HOST[:PORT]")
        }
        guard let url = URL(string: endpoint), let scheme = url.scheme, scheme == "http" || scheme == "https", url.host != nil,
              url.path.isEmpty, url.query == nil else {
            throw ObjectStoreError(.configuration, "AWS_ENDPOINT_URL \"\(endpoint)\" is not an http(s)://HOST[:PORT] URL")
        }
        var pathStyle = given != nil
        switch value("GOLDMANE_TRAIL_S3_ADDRESSING") {
        case nil: break
        case "path": pathStyle = true
        case "virtual": pathStyle = false
        case let other?:
            throw ObjectStoreError(.configuration, "GOLDMANE_TRAIL_S3_ADDRESSING is \"\(other)\": path or virtual")
        }
        var settings = S3Settings(accessKeyId: key, secretAccessKey: secret, sessionToken: value("AWS_SESSION_TOKEN"),
                                  region: region, endpoint: endpoint, pathStyle: pathStyle)
        if let text = value("GOLDMANE_TRAIL_S3_ATTEMPTS") {
            guard let attempts = Int(text), (1...20).contains(attempts) else {
                throw ObjectStoreError(.configuration, "GOLDMANE_TRAIL_S3_ATTEMPTS is \"\(text)\": a number from 1 to 20")
            }
            settings.attempts = attempts
        }
        return settings
    }

    package var description: String {
        "S3 endpoint \(endpoint) (region \(region), \(pathStyle ? "path" : "virtual-hosted")-style)"
    }
}
