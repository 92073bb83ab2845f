import TrailFormat

/// The identity of a wide-projection row (everything but its counters). Rows are told apart
/// by their bytes (`encode`, `WideKeyTable`), as the database tells them apart.
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

    /// A total order that does not depend on the locale (`appendSortKey` gives the same order
    /// as bytes): namespaces, action, identities, types, workloads, service (byte-wise UTF-8),
    /// then port, protocol and reporter.
    static func precedes(_ lhs: WideEdgeKey, _ rhs: WideEdgeKey) -> Bool {
        // Field by field, as `UTF8Order.precedes` of the two field lists, without building them
        // (a sort of a million rows makes tens of millions of comparisons).
        if let order = Self.order(lhs.srcNs, rhs.srcNs) { return order }
        if let order = Self.order(lhs.dstNs, rhs.dstNs) { return order }
        if let order = Self.order(lhs.action.rawValue, rhs.action.rawValue) { return order }
        if let order = Self.order(lhs.srcIdentity, rhs.srcIdentity) { return order }
        if let order = Self.order(lhs.dstIdentity, rhs.dstIdentity) { return order }
        if let order = Self.order(lhs.srcType.rawValue, rhs.srcType.rawValue) { return order }
        if let order = Self.order(lhs.dstType.rawValue, rhs.dstType.rawValue) { return order }
        if let order = Self.order(lhs.srcWorkload, rhs.srcWorkload) { return order }
        if let order = Self.order(lhs.dstWorkload, rhs.dstWorkload) { return order }
        if let order = Self.order(lhs.dstService, rhs.dstService) { return order }
        if lhs.dstPort != rhs.dstPort { return lhs.dstPort < rhs.dstPort }
        if let order = Self.order(lhs.proto, rhs.proto) { return order }
        return Self.order(lhs.reporter.rawValue, rhs.reporter.rawValue) ?? false
    }

    /// Appends the key whose byte order is `precedes`' order (`SortKeys`): the same fields in
    /// the same order (the fold sorts by these, `ReferenceFold` by `precedes`, and the
    /// cardinality tests hold the two batches equal).
    func appendSortKey(to keys: inout SortKeys) {
        keys.append(srcNs)
        keys.append(dstNs)
        keys.append(action.rawValue)
        keys.append(srcIdentity)
        keys.append(dstIdentity)
        keys.append(srcType.rawValue)
        keys.append(dstType.rawValue)
        keys.append(srcWorkload)
        keys.append(dstWorkload)
        keys.append(dstService)
        keys.append(dstPort)
        keys.append(proto)
        keys.append(reporter.rawValue)
        keys.endKey()
    }

    /// Nil when the bytes are equal; else whether `lhs` comes first byte-wise (a total order
    /// on bytes: Strings that Unicode calls equivalent but whose bytes differ are two rows).
    @inline(__always)
    private static func order(_ lhs: String, _ rhs: String) -> Bool? {
        let order = UTF8Bytes.compare(lhs, rhs)
        return order == 0 ? nil : order < 0
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
        srcWorkload = srcType.isWorkload ? EndpointNormalizer.workloadName(key.sourceName) : key.sourceName
        dstWorkload = dstType.isWorkload ? EndpointNormalizer.workloadName(key.destName) : key.destName
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

