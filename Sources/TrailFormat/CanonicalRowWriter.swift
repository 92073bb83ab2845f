/// Writes batch rows byte for byte as `CanonicalJSON`'s encoder would (keys sorted byte-wise,
/// no whitespace, slashes not escaped; `"` and `\` escaped, control characters as `\b \t \n
/// \f \r` or `\u00xx`, everything else as its UTF-8), without going through `JSONEncoder`,
/// which cost a fifth of a high-cardinality transform. Each row type writes its fields in
/// sorted key order (`EdgeBatch.rowLines`); `CanonicalRowWriterTests` holds the writer to
/// the encoder on every row of the samples and on hostile strings.
struct CanonicalRowWriter {
    var bytes: [UInt8] = []
    private var first = true

    init(capacity: Int = 0) {
        bytes.reserveCapacity(capacity)
    }

    mutating func beginRow() {
        bytes.append(UInt8(ascii: "{"))
        first = true
    }

    mutating func endRow() {
        bytes.append(UInt8(ascii: "}"))
        bytes.append(UInt8(ascii: "\n"))
    }

    /// `"key":`, after a comma unless it is the row's first key.
    @inline(__always)
    private mutating func key(_ key: StaticString) {
        if !first { bytes.append(UInt8(ascii: ",")) }
        first = false
        bytes.append(UInt8(ascii: "\""))
        key.withUTF8Buffer { bytes.append(contentsOf: $0) }
        bytes.append(UInt8(ascii: "\""))
        bytes.append(UInt8(ascii: ":"))
    }

    mutating func string(_ key: StaticString, _ value: String) {
        self.key(key)
        quoted(value)
    }

    mutating func int(_ key: StaticString, _ value: Int64) {
        self.key(key)
        decimal(value)
    }

    mutating func strings(_ key: StaticString, _ values: [String]) {
        self.key(key)
        bytes.append(UInt8(ascii: "["))
        for (index, value) in values.enumerated() {
            if index > 0 { bytes.append(UInt8(ascii: ",")) }
            quoted(value)
        }
        bytes.append(UInt8(ascii: "]"))
    }

    private mutating func decimal(_ value: Int64) {
        if value == 0 {
            bytes.append(UInt8(ascii: "0"))
            return
        }
        if value < 0 { bytes.append(UInt8(ascii: "-")) }
        // The magnitude as unsigned: Int64.min has none as a signed value.
        var magnitude = value.magnitude
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                     UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var count = 0
        withUnsafeMutableBytes(of: &digits) { buffer in
            while magnitude > 0 {
                buffer[19 - count] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
                count += 1
            }
            bytes.append(contentsOf: buffer[(20 - count)...])
        }
    }

    /// `action` to `connections`, the first keys of edge and wide rows.
    mutating func actionToConnections(_ action: FlowAction, _ totals: EdgeTotals, cluster: String) {
        string("action", action.rawValue)
        int("bytes_in", totals.bytesIn)
        int("bytes_out", totals.bytesOut)
        string("cluster", cluster)
        int("connections", totals.connections)
    }

    /// A policy decision's six fields, under `keys` (action, kind, policy, rule, tier, trigger: sorted).
    mutating func decision(_ decision: PolicyDecision,
                           keys: (StaticString, StaticString, StaticString, StaticString, StaticString, StaticString)) {
        string(keys.0, decision.action?.rawValue ?? "")
        string(keys.1, decision.kind)
        string(keys.2, decision.policy)
        int(keys.3, decision.rule)
        string(keys.4, decision.tier)
        string(keys.5, decision.trigger)
    }

    /// `first_seen` to `packets_out`, which sort together in edge and wide rows (`kind` among them).
    mutating func seenAndPackets(_ totals: EdgeTotals, kind: String) {
        int("first_seen", totals.firstSeen)
        int("flow_count", totals.flowCount)
        string("kind", kind)
        int("last_seen", totals.lastSeen)
        int("packets_in", totals.packetsIn)
        int("packets_out", totals.packetsOut)
    }

    private static let hex: [UInt8] = Array("0123456789abcdef".utf8)

    private mutating func quoted(_ value: String) {
        bytes.append(UInt8(ascii: "\""))
        var value = value
        value.withUTF8 { utf8 in
            var start = 0
            for index in 0..<utf8.count {
                let byte = utf8[index]
                guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
                bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[start..<index]))
                bytes.append(UInt8(ascii: "\\"))
                switch byte {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"): bytes.append(byte)
                case 0x08: bytes.append(UInt8(ascii: "b"))
                case 0x09: bytes.append(UInt8(ascii: "t"))
                case 0x0A: bytes.append(UInt8(ascii: "n"))
                case 0x0C: bytes.append(UInt8(ascii: "f"))
                case 0x0D: bytes.append(UInt8(ascii: "r"))
                default:
                    bytes.append(contentsOf: [UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"), Self.hex[Int(byte >> 4)], Self.hex[Int(byte & 0xF)]])
                }
                start = index + 1
            }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[start...]))
        }
        bytes.append(UInt8(ascii: "\""))
    }
}

extension EdgeRow {
    func write(to writer: inout CanonicalRowWriter) {
        writer.beginRow()
        writer.actionToConnections(action, totals, cluster: cluster)
        if let day { writer.string("day", day) }
        writer.string("dst_ns", dstNs)
        writer.seenAndPackets(totals, kind: kind)
        writer.string("src_ns", srcNs)
        writer.endRow()
    }
}

extension WideEdgeRow {
    func write(to writer: inout CanonicalRowWriter) {
        writer.beginRow()
        writer.actionToConnections(action, totals, cluster: cluster)
        writer.strings("days", days)
        writer.string("dst_identity", dstIdentity)
        writer.string("dst_ns", dstNs)
        writer.int("dst_port", dstPort)
        writer.string("dst_service", dstService)
        writer.string("dst_type", dstType.rawValue)
        writer.string("dst_workload", dstWorkload)
        writer.seenAndPackets(totals, kind: kind)
        writer.string("proto", proto)
        writer.string("reporter", reporter.rawValue)
        writer.string("src_identity", srcIdentity)
        writer.string("src_ns", srcNs)
        writer.string("src_type", srcType.rawValue)
        writer.string("src_workload", srcWorkload)
        writer.endRow()
    }
}

extension PolicyFlowRow {
    func write(to writer: inout CanonicalRowWriter) {
        let id = identity
        writer.beginRow()
        writer.string("action", id.action.rawValue)
        writer.string("cluster", cluster)
        writer.int("connections", connections)
        writer.string("day", day)
        writer.strings("dst_labels", id.dstLabels)
        writer.string("dst_ns", id.dstNs)
        writer.int("dst_port", id.dstPort)
        writer.string("dst_type", id.dstType.rawValue)
        writer.string("dst_workload", id.dstWorkload)
        writer.decision(id.enforced, keys: ("enforced_action", "enforced_kind", "enforced_policy", "enforced_rule", "enforced_tier", "enforced_trigger"))
        writer.int("first_seen", firstSeen)
        writer.int("flow_count", flowCount)
        writer.string("kind", "policy")
        writer.int("last_seen", lastSeen)
        writer.decision(id.pending, keys: ("pending_action", "pending_kind", "pending_policy", "pending_rule", "pending_tier", "pending_trigger"))
        writer.string("proto", id.proto)
        writer.string("reporter", id.reporter.rawValue)
        writer.strings("src_labels", id.srcLabels)
        writer.string("src_ns", id.srcNs)
        writer.string("src_type", id.srcType.rawValue)
        writer.string("src_workload", id.srcWorkload)
        writer.endRow()
    }
}
