/// Writes batch rows byte for byte as `CanonicalJSON`'s encoder would (keys sorted byte-wise,
/// no whitespace, slashes not escaped; `"` and `\` escaped, control characters as `\b \t \n
/// \f \r` or `\u00xx`, everything else as its UTF-8), without going through `JSONEncoder`,
/// which cost a fifth of a high-cardinality transform. Each row type writes its fields in
/// sorted key order (`EdgeBatch.rowLines`); `CanonicalRowWriterTests` holds the writer to
/// the encoder on every row of the samples and on hostile strings.
///
/// It writes into memory of its own, checked on every write against its end (a wrong size
/// traps), not through an `Array`'s appends: those, with their uniqueness and capacity checks
/// on every byte, were half the time of writing a batch.
struct CanonicalRowWriter: ~Copyable {
    private var base: UnsafeMutablePointer<UInt8>
    private var capacity: Int
    /// How many bytes are written.
    private(set) var count = 0
    private var first = true

    init(capacity: Int = 0) {
        self.capacity = max(capacity, 1 << 12)
        base = .allocate(capacity: self.capacity)
    }

    deinit { base.deallocate() }

    /// The bytes written so far, copied (a batch's whole rows, from `rowLines`, are then twice
    /// in memory for a moment: only tests and the fuzzer ask for them at once; a file is written
    /// a piece at a time).
    var bytes: [UInt8] { Array(UnsafeBufferPointer(start: base, count: count)) }

    /// Forgets the bytes written (the memory is kept).
    mutating func removeAll() {
        count = 0
    }

    /// Makes room for `extra` more bytes.
    @inline(__always)
    private mutating func reserve(_ extra: Int) {
        if extra > capacity - count { grow(to: count + extra) }
    }

    private mutating func grow(to needed: Int) {
        var size = capacity * 2
        while size < needed { size *= 2 }
        let larger = UnsafeMutablePointer<UInt8>.allocate(capacity: size)
        larger.initialize(from: base, count: count)
        base.deallocate()
        base = larger
        capacity = size
    }

    /// Writes one byte, room for it made by `reserve`.
    @inline(__always)
    private mutating func put(_ byte: UInt8) {
        precondition(count < capacity, "a row writer wrote past its memory")
        base[count] = byte
        count += 1
    }

    /// Writes `bytes`, room for them made by `reserve`.
    @inline(__always)
    private mutating func put(_ bytes: UnsafeBufferPointer<UInt8>) {
        precondition(bytes.count <= capacity - count, "a row writer wrote past its memory")
        guard let source = bytes.baseAddress, !bytes.isEmpty else { return }
        (base + count).initialize(from: source, count: bytes.count)
        count += bytes.count
    }

    mutating func beginRow() {
        reserve(1)
        put(UInt8(ascii: "{"))
        first = true
    }

    mutating func endRow() {
        reserve(2)
        put(UInt8(ascii: "}"))
        put(UInt8(ascii: "\n"))
    }

    /// `"key":`, after a comma unless it is the row's first key.
    @inline(__always)
    private mutating func key(_ key: StaticString) {
        reserve(key.utf8CodeUnitCount + 4)
        if !first { put(UInt8(ascii: ",")) }
        first = false
        put(UInt8(ascii: "\""))
        key.withUTF8Buffer { put($0) }
        put(UInt8(ascii: "\""))
        put(UInt8(ascii: ":"))
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
        reserve(1)
        put(UInt8(ascii: "["))
        for (index, value) in values.enumerated() {
            if index > 0 {
                reserve(1)
                put(UInt8(ascii: ","))
            }
            quoted(value)
        }
        reserve(1)
        put(UInt8(ascii: "]"))
    }

    private mutating func decimal(_ value: Int64) {
        // A sign and at most 19 digits.
        reserve(20)
        if value == 0 {
            put(UInt8(ascii: "0"))
            return
        }
        if value < 0 { put(UInt8(ascii: "-")) }
        // The magnitude as unsigned: Int64.min has none as a signed value.
        var magnitude = value.magnitude
        var digits = 1
        var rest = magnitude / 10
        while rest > 0 {
            digits += 1
            rest /= 10
        }
        precondition(digits <= capacity - count, "a row writer wrote past its memory")
        var position = count + digits
        count = position
        while magnitude > 0 {
            position -= 1
            base[position] = UInt8(ascii: "0") + UInt8(magnitude % 10)
            magnitude /= 10
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
        var value = value
        value.withUTF8 { utf8 in
            // Quotes, and at most six bytes (`\u00xx`) for each byte of the value.
            reserve(2 + 6 * utf8.count)
            put(UInt8(ascii: "\""))
            var start = 0
            for index in 0..<utf8.count {
                let byte = utf8[index]
                guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
                put(UnsafeBufferPointer(rebasing: utf8[start..<index]))
                put(UInt8(ascii: "\\"))
                switch byte {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"): put(byte)
                case 0x08: put(UInt8(ascii: "b"))
                case 0x09: put(UInt8(ascii: "t"))
                case 0x0A: put(UInt8(ascii: "n"))
                case 0x0C: put(UInt8(ascii: "f"))
                case 0x0D: put(UInt8(ascii: "r"))
                default:
                    put(UInt8(ascii: "u"))
                    put(UInt8(ascii: "0"))
                    put(UInt8(ascii: "0"))
                    put(Self.hex[Int(byte >> 4)])
                    put(Self.hex[Int(byte & 0xF)])
                }
                start = index + 1
            }
            put(UnsafeBufferPointer(rebasing: utf8[start...]))
            put(UInt8(ascii: "\""))
        }
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
