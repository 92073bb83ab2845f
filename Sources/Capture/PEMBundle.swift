import Foundation

/// A PEM file split into its certificates. Tolerates what Calico's CA bundles contain between
/// blocks (`# certificate name: ns/name` comment lines, blank lines), and names the file when
/// it holds no certificate at all.
public enum PEMBundle {
    public static func certificates(atPath path: String) throws(CaptureError) -> [String] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw CaptureError(.configuration, "cannot read \(path): check CA_CERT_PATH / --ca-cert and the mounted ConfigMap")
        }
        let blocks = certificates(in: text)
        guard !blocks.isEmpty else {
            throw CaptureError(.configuration, "\(path) holds no PEM certificate (-----BEGIN CERTIFICATE-----)")
        }
        return blocks
    }

    public static func certificates(in text: String) -> [String] {
        var blocks: [String] = []
        var current: [Substring]? = nil
        for line in text.split(whereSeparator: \.isNewline) {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed == "-----BEGIN CERTIFICATE-----" {
                current = [Substring(trimmed)]
            } else if trimmed == "-----END CERTIFICATE-----", var block = current {
                block.append(Substring(trimmed))
                blocks.append(block.joined(separator: "\n") + "\n")
                current = nil
            } else if current != nil {
                current!.append(Substring(trimmed))
            }
        }
        return blocks
    }
}
