import TrailFormat

/// What an egress destination is: the pods of a namespace, or an end of another type (a
/// network, a network set, a host).
package enum DestinationKind: Hashable, Sendable {
    case namespace
    case endpoint(EndpointType)

    /// Pods are reported by namespace; every other end by its type.
    package init(_ type: EndpointType) {
        self = type == .workload ? .namespace : .endpoint(type)
    }

    /// As the report writes it: `namespace`, or the endpoint type.
    package var text: String {
        switch self {
        case .namespace: "namespace"
        case .endpoint(let type): type.rawValue
        }
    }

    /// A network or a network set: outside the cluster's workloads.
    package var isOutsideWorkloads: Bool {
        if case .endpoint(let type) = self { return type.isOutsideWorkloads }
        return false
    }
}
