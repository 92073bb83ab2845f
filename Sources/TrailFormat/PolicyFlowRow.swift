/// A row of the policy projection: one observed flow identity on one UTC day, with its
/// counts. In the batch file it is one flat JSON object (`kind: "policy"`).
package struct PolicyFlowRow: Codable, Equatable, Sendable {
    /// The cluster whose archive the row comes from.
    package var cluster: String
    /// The UTC day (YYYY-MM-DD) the row counts.
    package var day: String
    package var identity: PolicyFlowIdentity
    package var firstSeen: Int64
    package var lastSeen: Int64
    package var flowCount: Int64
    package var connections: Int64

    package init(cluster: String = "", day: String, identity: PolicyFlowIdentity, firstSeen: Int64, lastSeen: Int64, flowCount: Int64,
                 connections: Int64) {
        self.cluster = cluster
        self.day = day
        self.identity = identity
        self.firstSeen = firstSeen
        self.lastSeen = lastSeen
        self.flowCount = flowCount
        self.connections = connections
    }

    enum CodingKeys: String, CodingKey {
        case kind, cluster, day, connections
        case firstSeen = "first_seen"
        case lastSeen = "last_seen"
        case flowCount = "flow_count"
    }

    package func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode("policy", forKey: .kind)
        try container.encode(cluster, forKey: .cluster)
        try container.encode(day, forKey: .day)
        try identity.encode(to: encoder)
        try container.encode(firstSeen, forKey: .firstSeen)
        try container.encode(lastSeen, forKey: .lastSeen)
        try container.encode(flowCount, forKey: .flowCount)
        try container.encode(connections, forKey: .connections)
    }

    package init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        guard try container.decode(String.self, forKey: .kind) == "policy" else {
            throw DecodingError.dataCorruptedError(forKey: .kind, in: container, debugDescription: "not a policy row")
        }
        cluster = try container.decode(String.self, forKey: .cluster)
        day = try container.decode(String.self, forKey: .day)
        identity = try PolicyFlowIdentity(from: decoder)
        firstSeen = try container.decode(Int64.self, forKey: .firstSeen)
        lastSeen = try container.decode(Int64.self, forKey: .lastSeen)
        flowCount = try container.decode(Int64.self, forKey: .flowCount)
        connections = try container.decode(Int64.self, forKey: .connections)
    }

    /// 32 hex digits of the SHA-256 of the identity: the table's key with the day (labels can
    /// be too long for an index entry).
    package var flowID: String {
        var bytes: [UInt8] = []
        for field in identity.keyFields {
            bytes += Array(String(field.utf8.count).utf8)
            bytes.append(UInt8(ascii: ":"))
            bytes += Array(field.utf8)
        }
        return String(ContentHash.sha256(bytes: bytes).prefix(32))
    }
}

/// An observed flow identity: the ends (type, namespace, workload, labels as Goldmane gives
/// them, sorted), the destination port, protocol, reporter and verdict, and the deciding hits
/// of the enforced and the pending (staged) traces.
package struct PolicyFlowIdentity: Codable, Hashable, Sendable {
    package var srcType: EndpointType
    package var srcNs: String
    package var srcWorkload: String
    package var srcLabels: [String]
    package var dstType: EndpointType
    package var dstNs: String
    package var dstWorkload: String
    package var dstLabels: [String]
    package var dstPort: Int64
    package var proto: String
    package var reporter: Reporter
    package var action: FlowAction
    package var enforced: PolicyDecision
    package var pending: PolicyDecision

    package init(srcType: EndpointType, srcNs: String, srcWorkload: String, srcLabels: [String], dstType: EndpointType, dstNs: String,
                 dstWorkload: String, dstLabels: [String], dstPort: Int64, proto: String, reporter: Reporter, action: FlowAction,
                 enforced: PolicyDecision, pending: PolicyDecision) {
        self.srcType = srcType
        self.srcNs = srcNs
        self.srcWorkload = srcWorkload
        self.srcLabels = srcLabels
        self.dstType = dstType
        self.dstNs = dstNs
        self.dstWorkload = dstWorkload
        self.dstLabels = dstLabels
        self.dstPort = dstPort
        self.proto = proto
        self.reporter = reporter
        self.action = action
        self.enforced = enforced
        self.pending = pending
    }

    enum CodingKeys: String, CodingKey {
        case proto, reporter, action
        case srcType = "src_type"
        case srcNs = "src_ns"
        case srcWorkload = "src_workload"
        case srcLabels = "src_labels"
        case dstType = "dst_type"
        case dstNs = "dst_ns"
        case dstWorkload = "dst_workload"
        case dstLabels = "dst_labels"
        case dstPort = "dst_port"
    }

    /// Flat: the decisions' fields sit beside the others, prefixed `enforced_` and `pending_`.
    package func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(srcType, forKey: .srcType)
        try container.encode(srcNs, forKey: .srcNs)
        try container.encode(srcWorkload, forKey: .srcWorkload)
        try container.encode(srcLabels, forKey: .srcLabels)
        try container.encode(dstType, forKey: .dstType)
        try container.encode(dstNs, forKey: .dstNs)
        try container.encode(dstWorkload, forKey: .dstWorkload)
        try container.encode(dstLabels, forKey: .dstLabels)
        try container.encode(dstPort, forKey: .dstPort)
        try container.encode(proto, forKey: .proto)
        try container.encode(reporter, forKey: .reporter)
        try container.encode(action, forKey: .action)
        try enforced.encode(to: encoder, prefix: "enforced")
        try pending.encode(to: encoder, prefix: "pending")
    }

    package init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        srcType = try container.decode(EndpointType.self, forKey: .srcType)
        srcNs = try container.decode(String.self, forKey: .srcNs)
        srcWorkload = try container.decode(String.self, forKey: .srcWorkload)
        srcLabels = try container.decode([String].self, forKey: .srcLabels)
        dstType = try container.decode(EndpointType.self, forKey: .dstType)
        dstNs = try container.decode(String.self, forKey: .dstNs)
        dstWorkload = try container.decode(String.self, forKey: .dstWorkload)
        dstLabels = try container.decode([String].self, forKey: .dstLabels)
        dstPort = try container.decode(Int64.self, forKey: .dstPort)
        proto = try container.decode(String.self, forKey: .proto)
        reporter = try container.decode(Reporter.self, forKey: .reporter)
        action = try container.decode(FlowAction.self, forKey: .action)
        enforced = try PolicyDecision(from: decoder, prefix: "enforced")
        pending = try PolicyDecision(from: decoder, prefix: "pending")
    }

    /// The identity's fields in a fixed order: what `flowID` hashes.
    package var keyFields: [String] {
        [srcType.rawValue, srcNs, srcWorkload, srcLabels.joined(separator: "\u{0}"), dstType.rawValue, dstNs, dstWorkload,
         dstLabels.joined(separator: "\u{0}"), String(dstPort), proto, reporter.rawValue, action.rawValue] + enforced.fields + pending.fields
    }

    /// Of two identities one item could have (copies of it with other labels), whether the
    /// fold keeps `a`: the one with more labels (a copy without labels says less), then the one
    /// that sorts first. The same whichever copy came first.
    package static func keeps(_ a: PolicyFlowIdentity, over b: PolicyFlowIdentity) -> Bool {
        let (left, right) = (a.srcLabels.count + a.dstLabels.count, b.srcLabels.count + b.dstLabels.count)
        if left != right { return left > right }
        return UTF8Order.precedes(a.orderFields, b.orderFields)
    }

    /// `orderFields` as sort-key bytes (`SortKeys`: the same order), without making its Strings.
    package func appendSortKey(to keys: inout SortKeys) {
        keys.append(srcNs)
        keys.append(dstNs)
        keys.append(action.rawValue)
        keys.append(srcType.rawValue)
        keys.append(dstType.rawValue)
        keys.append(srcWorkload)
        keys.append(dstWorkload)
        keys.append(joined: srcLabels)
        keys.append(joined: dstLabels)
        keys.append(decimal: dstPort, zeroPaddedTo: Self.sortablePortWidth)
        keys.append(proto)
        keys.append(reporter.rawValue)
        enforced.appendSortKey(to: &keys)
        pending.appendSortKey(to: &keys)
        keys.endKey()
    }

    /// The rows' sort key (byte-wise UTF-8): namespaces and verdict first.
    package var orderFields: [String] {
        [srcNs, dstNs, action.rawValue, srcType.rawValue, dstType.rawValue, srcWorkload, dstWorkload, srcLabels.joined(separator: "\u{0}"),
         dstLabels.joined(separator: "\u{0}"), Self.sortable(port: dstPort), proto, reporter.rawValue] + enforced.fields + pending.fields
    }

    /// `namespace/workload` for pods, `kind name` for the rest (`network pub`, `host node-1`).
    package var source: String { Self.name(srcType, srcNs, srcWorkload) }
    package var destination: String { Self.name(dstType, dstNs, dstWorkload) }

    static func name(_ type: EndpointType, _ namespace: String, _ workload: String) -> String {
        type == .workload ? "\(namespace)/\(workload)"
            : (namespace == "-" ? "\(type.rawValue) \(workload)" : "\(type.rawValue) \(namespace)/\(workload)")
    }
}

extension PolicyFlowIdentity {
    /// A port as text that sorts numerically among non-negative ports.
    static func sortable(port: Int64) -> String {
        let text = String(port)
        return port < 0 ? text : String(repeating: "0", count: max(0, sortablePortWidth - text.count)) + text
    }

    static let sortablePortWidth = 20
}

extension PolicyDecision {
    struct PrefixedKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    func encode(to encoder: any Encoder, prefix: String) throws {
        var container = encoder.container(keyedBy: PrefixedKey.self)
        try container.encode(kind, forKey: PrefixedKey(stringValue: prefix + "_kind"))
        try container.encode(tier, forKey: PrefixedKey(stringValue: prefix + "_tier"))
        try container.encode(policy, forKey: PrefixedKey(stringValue: prefix + "_policy"))
        try container.encode(rule, forKey: PrefixedKey(stringValue: prefix + "_rule"))
        try container.encode(action?.rawValue ?? "", forKey: PrefixedKey(stringValue: prefix + "_action"))
        try container.encode(trigger, forKey: PrefixedKey(stringValue: prefix + "_trigger"))
    }

    init(from decoder: any Decoder, prefix: String) throws {
        let container = try decoder.container(keyedBy: PrefixedKey.self)
        let key = { (name: String) in PrefixedKey(stringValue: prefix + "_" + name) }
        self.init(kind: try container.decode(String.self, forKey: key("kind")), tier: try container.decode(String.self, forKey: key("tier")),
                  policy: try container.decode(String.self, forKey: key("policy")), rule: try container.decode(Int64.self, forKey: key("rule")),
                  action: try PolicyDecision.action(text: container.decode(String.self, forKey: key("action")), key: key("action")),
                  trigger: try container.decode(String.self, forKey: key("trigger")))
    }
}

/// Byte-wise UTF-8 ordering of field lists: the same in every locale, and the same as
/// PostgreSQL's "C" collation.
package enum UTF8Order {
    package static func precedes(_ lhs: [String], _ rhs: [String]) -> Bool {
        for (left, right) in zip(lhs, rhs) {
            let order = UTF8Bytes.compare(left, right)
            if order != 0 { return order < 0 }
        }
        return lhs.count < rhs.count
    }
}
