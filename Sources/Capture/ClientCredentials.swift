import Foundation
import X509

/// Checks the local half of mutual TLS before any connection: the client certificate and key
/// parse, belong together and are valid now, and every block of the CA bundle is a
/// certificate. A mistake here is configuration (exit 78, nothing written), named exactly:
/// retrying it as if the network had failed only hides it.
enum ClientCredentials {
    static func check(endpoint: GoldmaneEndpoint, bundle: [String], now: Date = Date()) throws(CaptureError) {
        for (index, block) in bundle.enumerated() {
            do { _ = try Certificate(pemEncoded: block) } catch {
                throw CaptureError(.configuration, "\(endpoint.caPath): certificate \(index + 1) of \(bundle.count) in the CA bundle does not parse (\(error)): fix or remove that block", cause: error)
            }
        }
        let certificate: Certificate
        do {
            let text = try String(contentsOfFile: endpoint.certificatePath, encoding: .utf8)
            guard let first = try PEMBundle.certificates(in: text, path: endpoint.certificatePath).first else {
                throw CaptureError(.configuration, "\(endpoint.certificatePath) holds no PEM certificate (TLS_CERT_PATH)")
            }
            certificate = try Certificate(pemEncoded: first)
        } catch let error as CaptureError {
            throw error
        } catch {
            throw CaptureError(.configuration, "the client certificate \(endpoint.certificatePath) does not parse (\(error)) (TLS_CERT_PATH)", cause: error)
        }
        let key: Certificate.PrivateKey
        do {
            key = try Certificate.PrivateKey(pemEncoded: try String(contentsOfFile: endpoint.keyPath, encoding: .utf8))
        } catch {
            // No cause: a parser's error about a private key may quote the key.
            throw CaptureError(.configuration, "the client key \(endpoint.keyPath) does not parse as a PEM private key (TLS_KEY_PATH)")
        }
        guard key.publicKey == certificate.publicKey else {
            throw CaptureError(.configuration, "the client key \(endpoint.keyPath) does not match the certificate \(endpoint.certificatePath): mount the key pair of one Secret (tls.crt and tls.key together)")
        }
        let stamp = { (date: Date) in ISO8601DateFormatter().string(from: date) }
        guard now >= certificate.notValidBefore else {
            throw CaptureError(.configuration, "the client certificate \(endpoint.certificatePath) is not valid until \(stamp(certificate.notValidBefore)): check this machine's clock, or the certificate")
        }
        guard now <= certificate.notValidAfter else {
            throw CaptureError(.configuration, "the client certificate \(endpoint.certificatePath) expired on \(stamp(certificate.notValidAfter)): renew it (its Secret)")
        }
    }
}
