import TrailFormat

/// The identity of a wide-projection row (everything but its counters).
struct WideEdgeKey: Hashable, Sendable {
    var srcType: EndpointType
    var srcNs: String
    var srcIdentity: String
    var srcWorkload: String
    var dstType: EndpointType
    var dstNs: String
    var dstIdentity: String
    var dstWorkload: String
    var dstService: String
    var dstPort: Int64
    var proto: String
    var action: FlowAction
    var reporter: Reporter

    /// A total order that does not depend on the locale: namespaces, action, identities,
    /// types, workloads, service (byte-wise UTF-8), then port, protocol and reporter.
    static func precedes(_ lhs: WideEdgeKey, _ rhs: WideEdgeKey) -> Bool {
        let left = [lhs.srcNs, lhs.dstNs, lhs.action.rawValue, lhs.srcIdentity, lhs.dstIdentity, lhs.srcType.rawValue, lhs.dstType.rawValue,
                    lhs.srcWorkload, lhs.dstWorkload, lhs.dstService]
        let right = [rhs.srcNs, rhs.dstNs, rhs.action.rawValue, rhs.srcIdentity, rhs.dstIdentity, rhs.srcType.rawValue, rhs.dstType.rawValue,
                     rhs.srcWorkload, rhs.dstWorkload, rhs.dstService]
        if left != right { return UTF8Order.precedes(left, right) }
        if lhs.dstPort != rhs.dstPort { return lhs.dstPort < rhs.dstPort }
        return UTF8Order.precedes([lhs.proto, lhs.reporter.rawValue], [rhs.proto, rhs.reporter.rawValue])
    }

    /// Builds the key for a parsed FlowKey, with identities refined by `srcLabel`/`dstLabel`
    /// (the service-identity label values, when the namespace is configured for it).
    init(key: FlowKeyView, srcLabel: String?, dstLabel: String?) {
        let srcNamespace = EndpointNormalizer.namespace(key.sourceNamespace)
        let dstNamespace = EndpointNormalizer.namespace(key.destNamespace)
        srcType = EndpointType(wire: key.sourceType)
        dstType = EndpointType(wire: key.destType)
        srcNs = srcNamespace ?? "-"
        dstNs = dstNamespace ?? "-"
        srcWorkload = srcType == .workload ? EndpointNormalizer.workloadName(key.sourceName) : key.sourceName
        dstWorkload = dstType == .workload ? EndpointNormalizer.workloadName(key.destName) : key.destName
        srcIdentity = Self.identity(namespace: srcNamespace, name: key.sourceName, label: srcLabel)
        dstIdentity = Self.identity(namespace: dstNamespace, name: key.destName, label: dstLabel)
        let serviceNamespace = EndpointNormalizer.namespace(key.destServiceNamespace)
        let serviceName = key.destServiceName == "-" ? "" : key.destServiceName
        dstService = serviceName.isEmpty ? "-" : (serviceNamespace.map { "\($0)/\(serviceName)" } ?? serviceName)
        dstPort = key.destPort
        proto = key.proto
        action = FlowAction(wire: key.action)
        reporter = Reporter(wire: key.reporter)
    }

    /// Service identity: the namespace, refined by the service-identity label where
    /// configured; a non-namespaced end is known by its name (node, network set, pub/pvt).
    static func identity(namespace: String?, name: String, label: String?) -> String {
        guard let namespace else { return name }
        guard let label, !label.isEmpty else { return namespace }
        return "\(namespace)/\(label)"
    }

    /// Why this row is not in the `edge` projection, or nil when it is.
    var edgeExclusion: DropReason? {
        for type in [srcType, dstType] where type == .unknown { return .unknownEndpointType }
        for (type, ns) in [(srcType, srcNs), (dstType, dstNs)] {
            if type == .host || type == .network || (type == .networkset && ns == "-") { return .nonNamespacedEnd }
            if ns == "-" { return .namespacedTypeWithoutNamespace }
        }
        return srcNs == dstNs ? .sameNamespace : nil
    }
}

