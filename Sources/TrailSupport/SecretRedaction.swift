import Foundation

/// Removes secrets from text that came from outside (libpq, URLSession, Slack, gRPC) before
/// it becomes part of a message. A secret is removed in every form it can take there: as
/// given, percent-encoded (strictly, or as a URI allows), and percent-decoded. Independently
/// of any known secret, the password of every `scheme://user:password@` URI and every
/// `password=` keyword in the text is removed, so a connection string that could not even
/// be parsed is still not shown.
package struct SecretRedaction: Sendable {
    package static let mark = "[redacted]"
    /// Longest first, so a secret that contains another is removed whole.
    package let secrets: [String]

    /// `secrets` shorter than 3 characters are ignored (removing them would mangle text and hide nothing).
    package init(_ secrets: [String]) {
        var forms = Set<String>()
        for secret in secrets where secret.count >= 3 {
            forms.insert(secret)
            for allowed in [CharacterSet.alphanumerics, .urlPasswordAllowed, .urlPathAllowed, .urlQueryAllowed] {
                if let encoded = secret.addingPercentEncoding(withAllowedCharacters: allowed) { forms.insert(encoded) }
            }
            if let decoded = secret.removingPercentEncoding { forms.insert(decoded) }
        }
        self.secrets = forms.filter { $0.count >= 3 }.sorted { ($0.count, $0) > ($1.count, $1) }
    }

    package func callAsFunction(_ text: String) -> String {
        // Case-insensitive, so that %2f and %2F (the same byte) both go.
        let out = secrets.reduce(text) { $0.replacingOccurrences(of: $1, with: Self.mark, options: .caseInsensitive) }
        return Self.scrubCredentials(out)
    }

    /// The user information (`user:password`) of any `scheme://user:password@host` URI, and
    /// the value of any `password=` keyword (libpq's keyword form, quoted or not).
    package static func scrubCredentials(_ text: String) -> String {
        var out = text
        for (pattern, template) in Self.credentialPatterns {
            let range = NSRange(out.startIndex..., in: out)
            out = pattern.stringByReplacingMatches(in: out, range: range, withTemplate: template)
        }
        return out
    }

    private static let credentialPatterns: [(NSRegularExpression, String)] = [
        // A password may hold '@' (badly encoded): the user information runs to the last '@'
        // before the host's end.
        (#"([A-Za-z][A-Za-z0-9+.-]*://)[^/?#\s"':@]*:[^\s"'/]*@"#, "$1\(mark)@"),
        (#"(?i)(password\s*=\s*)('(?:[^'\\]|\\.)*'|[^\s'"]+)"#, "$1\(mark)"),
    ].map { (try! NSRegularExpression(pattern: $0.0), $0.1) }
}
