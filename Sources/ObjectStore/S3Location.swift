/// An archive on S3: `s3://BUCKET/PREFIX`. Its objects are named like the files of an archive
/// directory under the prefix (`PREFIX/CLUSTER/DAY/NAME.seg`), so `aws s3 sync` moves an
/// archive either way.
package struct S3Location: Sendable, Equatable, CustomStringConvertible {
    package static let scheme = "s3://"

    package var bucket: String
    /// The key prefix, without a leading or trailing slash ("" for the whole bucket).
    package var prefix: String

    /// Parses `s3://BUCKET[/PREFIX]`; the error names what is wrong.
    package init(url: String) throws(ObjectStoreError) {
        guard url.hasPrefix(Self.scheme) else {
            throw ObjectStoreError(.configuration, "\(url): not an S3 URL (s3://BUCKET/PREFIX)")
        }
        let rest = url.dropFirst(Self.scheme.count)
        let bucket = String(rest.prefix { $0 != "/" })
        guard Self.isValidBucket(bucket) else {
            throw ObjectStoreError(.configuration, "\(url): \"\(bucket)\" is not a valid bucket name (3 to 63 lowercase letters, digits, dots and hyphens)")
        }
        self.bucket = bucket
        prefix = rest.dropFirst(bucket.count).split(separator: "/", omittingEmptySubsequences: true).joined(separator: "/")
    }

    package init(bucket: String, prefix: String) {
        self.bucket = bucket
        self.prefix = prefix
    }

    /// The key of `relative` (a path inside the archive).
    package func key(_ relative: String) -> String {
        prefix.isEmpty ? relative : prefix + "/" + relative
    }

    /// The URL of the object with key `key`.
    package func url(key: String) -> String { Self.scheme + bucket + "/" + key }

    /// The prefix to list: the archive's prefix and a slash (every object of the bucket for "").
    package var listPrefix: String { prefix.isEmpty ? "" : prefix + "/" }

    package var description: String { Self.scheme + bucket + (prefix.isEmpty ? "" : "/" + prefix) }

    /// Which key of this location `url` names (nil: it is not under it).
    package func key(ofURL url: String) -> String? {
        let root = Self.scheme + bucket + "/"
        guard url.hasPrefix(root) else { return nil }
        let key = String(url.dropFirst(root.count))
        return key.hasPrefix(listPrefix) ? key : nil
    }

    /// S3's rules for new buckets (which also make names that are safe in a host name).
    static func isValidBucket(_ name: String) -> Bool {
        guard (3...63).contains(name.utf8.count) else { return false }
        let allowed = name.utf8.allSatisfy { ($0 >= 97 && $0 <= 122) || ($0 >= 48 && $0 <= 57) || $0 == 46 || $0 == 45 }
        guard allowed, let first = name.utf8.first, let last = name.utf8.last else { return false }
        return first != 46 && first != 45 && last != 46 && last != 45
    }
}
