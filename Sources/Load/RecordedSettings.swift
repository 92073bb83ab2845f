import Foundation
import TrailFormat

/// How a batch was folded, as the load ledger records it with every segment: the
/// normalisation settings and the transform version. Two loads agree when their fingerprints
/// are equal; the tables hold one model of identity only while every ledger row agrees.
package struct RecordedSettings: Hashable, Sendable, CustomStringConvertible {
    package let settings: TransformSettingsRecord
    package let transformVersion: Int

    package init(settings: TransformSettingsRecord, transformVersion: Int) {
        self.settings = settings
        self.transformVersion = transformVersion
    }

    /// What a batch's header says it was folded with.
    package init(_ header: BatchHeader) {
        self.init(settings: header.settings, transformVersion: header.transformVersion)
    }

    private struct Stored: Codable {
        var settings: TransformSettingsRecord
        var transform_version: Int
    }

    /// Canonical JSON (sorted keys): the ledger's `settings` column.
    package var json: String {
        let bytes = (try? CanonicalJSON.encode(Stored(settings: settings, transform_version: transformVersion))) ?? []
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The first 16 hex digits of the SHA-256 of `json`: the ledger's `settings_fingerprint`.
    package var fingerprint: String {
        String(ContentHash.sha256(bytes: json.utf8).prefix(16))
    }

    /// Parses the ledger's `settings` column.
    package init?(json: String) {
        guard let stored = try? CanonicalJSON.decode(Stored.self, from: Array(json.utf8)) else { return nil }
        self.init(settings: stored.settings, transformVersion: stored.transform_version)
    }

    /// For people: the flags that give these settings, and the transform version.
    package var description: String {
        "--service-identity-namespaces \(settings.serviceIdentityNamespaces.joined(separator: ",")) "
            + "--service-identity-label \(settings.serviceIdentityLabel), transform version \(transformVersion) "
            + "(fingerprint \(fingerprint))"
    }
}

/// The tables were built with other settings than a load would add rows with.
package struct SettingsMismatch: Error, Sendable, CustomStringConvertible {
    package let loaded: [RecordedSettings]
    package let requested: RecordedSettings

    package var description: String {
        "the tables were built with \(loaded.map(\.description).joined(separator: " and ")); "
            + "this run folds with \(requested.description). Loading would mix two models of service identity in edge_wide. "
            + "Run `goldmane-trail replay --archive DIR` with the new settings to rebuild the tables with them, "
            + "or run this job with the settings the tables were built with."
    }
}
