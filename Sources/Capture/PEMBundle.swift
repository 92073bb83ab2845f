import Foundation

/// A PEM file split into its certificates. Tolerates what Calico's CA bundles contain between
/// blocks (`# certificate name: ns/name` comment lines, blank lines), and names the file when
/// it holds no certificate at all.
package enum PEMBundle {
    package static func certificates(atPath path: String) throws(CaptureError) -> [String] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw CaptureError(.configuration, "cannot read \(path): check CA_CERT_PATH / --ca-cert and the mounted ConfigMap")
        }
        let blocks = try certificates(in: text, path: path)
        guard !blocks.isEmpty else {
            throw CaptureError(.configuration, "\(path) holds no PEM certificate (-----BEGIN CERTIFICATE-----)")
        }
        return blocks
    }

    /// The certificate blocks of `text`. A block that begins and never ends (a truncated file,
    /// a paste cut short) is named with its line: skipping it would drop a CA without a word.
    package static func certificates(in text: String, path: String) throws(CaptureError) -> [String] {
        var blocks: [String] = []
        var current: [Substring]? = nil
        var begunAt = 0
        for (index, line) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed == "-----BEGIN CERTIFICATE-----" {
                if current != nil { throw unterminated(path, line: begunAt) }
                current = [Substring(trimmed)]
                begunAt = index + 1
            } else if trimmed == "-----END CERTIFICATE-----" {
                guard var block = current else {
                    throw CaptureError(.configuration, "\(path):\(index + 1): -----END CERTIFICATE----- with no BEGIN before it: the bundle is damaged; take it again from the tigera-ca-bundle ConfigMap")
                }
                block.append(Substring(trimmed))
                blocks.append(block.joined(separator: "\n") + "\n")
                current = nil
            } else if current != nil {
                current!.append(Substring(trimmed))
            }
        }
        if current != nil { throw unterminated(path, line: begunAt) }
        return blocks
    }

    static func unterminated(_ path: String, line: Int) -> CaptureError {
        CaptureError(.configuration, "\(path):\(line): a certificate begins here (-----BEGIN CERTIFICATE-----) and has no -----END CERTIFICATE-----: the bundle is cut short; take it again from the tigera-ca-bundle ConfigMap")
    }
}
