import TrailFormat

/// What the fold is configured with. Every setting is recorded in the batch header, so a
/// batch says how it was made and a replay with other settings is visibly different.
package struct TransformSettings: Sendable, Equatable {
    /// Namespaces that hold several Services: their workloads' identity is refined by the
    /// `serviceIdentityLabel` pod label (`monitoring/prometheus` rather than `monitoring`).
    package var serviceIdentityNamespaces: Set<String>
    package var serviceIdentityLabel: String

    package static let defaultServiceIdentityNamespaces: Set<String> = ["monitoring", "kube-system", "dbaas"]

    package init(serviceIdentityNamespaces: Set<String> = defaultServiceIdentityNamespaces, serviceIdentityLabel: String = "service-identity") {
        self.serviceIdentityNamespaces = serviceIdentityNamespaces
        self.serviceIdentityLabel = serviceIdentityLabel
    }

    package var record: TransformSettingsRecord {
        TransformSettingsRecord(serviceIdentityNamespaces: serviceIdentityNamespaces.sorted(), serviceIdentityLabel: serviceIdentityLabel)
    }
}

