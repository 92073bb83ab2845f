/// A reader for the one-level JSON objects of an edge batch's row lines: string, integer and
/// array-of-string values. With JSONDecoder, reading a 100,000-row batch took 3.9 s; with
/// this, 0.58 s. Anything else is refused, and the caller falls back to
/// JSONDecoder for its precise message.
struct FlatJSON {
    enum Value {
        case string(String)
        case integer(Int64)
        case strings([String])
    }

    private let bytes: UnsafeRawBufferPointer
    private var position = 0

    /// The fields of the object in `line`, or nil when it is not such an object.
    static func parse(_ line: UnsafeRawBufferPointer) -> [String: Value]? {
        var parser = FlatJSON(bytes: line)
        return parser.object()
    }

    private init(bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    private mutating func object() -> [String: Value]? {
        var fields: [String: Value] = [:]
        fields.reserveCapacity(24)
        guard take(UInt8(ascii: "{")) else { return nil }
        if take(UInt8(ascii: "}")) { return atEnd() ? fields : nil }
        repeat {
            guard let key = string(), take(UInt8(ascii: ":")), let value = value() else { return nil }
            fields[key] = value
        } while take(UInt8(ascii: ","))
        guard take(UInt8(ascii: "}")), atEnd() else { return nil }
        return fields
    }

    private mutating func value() -> Value? {
        guard position < bytes.count else { return nil }
        switch bytes[position] {
        case UInt8(ascii: "\""): return string().map(Value.string)
        case UInt8(ascii: "["):
            position += 1
            var items: [String] = []
            if take(UInt8(ascii: "]")) { return .strings(items) }
            repeat {
                guard let item = string() else { return nil }
                items.append(item)
            } while take(UInt8(ascii: ","))
            return take(UInt8(ascii: "]")) ? .strings(items) : nil
        default: return integer().map(Value.integer)
        }
    }

    private mutating func integer() -> Int64? {
        let negative = take(UInt8(ascii: "-"))
        var value: Int64 = 0
        let start = position
        while position < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[position]) {
            let (times, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times.addingReportingOverflow(Int64(bytes[position] - UInt8(ascii: "0")))
            guard !overflow1, !overflow2 else { return nil }
            value = sum
            position += 1
        }
        guard position > start else { return nil }
        return negative ? -value : value
    }

    private mutating func string() -> String? {
        guard take(UInt8(ascii: "\"")) else { return nil }
        let start = position
        // Fast path: no escapes.
        while position < bytes.count {
            let byte = bytes[position]
            if byte == UInt8(ascii: "\"") {
                let text = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)
                position += 1
                return text
            }
            if byte == UInt8(ascii: "\\") || byte < 0x20 { break }
            position += 1
        }
        var scalars = Array(UnsafeRawBufferPointer(rebasing: bytes[start..<position]))
        while position < bytes.count {
            let byte = bytes[position]
            position += 1
            switch byte {
            case UInt8(ascii: "\""):
                return String(decoding: scalars, as: UTF8.self)
            case UInt8(ascii: "\\"):
                guard position < bytes.count else { return nil }
                let escape = bytes[position]
                position += 1
                switch escape {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): scalars.append(escape)
                case UInt8(ascii: "b"): scalars.append(0x08)
                case UInt8(ascii: "f"): scalars.append(0x0C)
                case UInt8(ascii: "n"): scalars.append(0x0A)
                case UInt8(ascii: "r"): scalars.append(0x0D)
                case UInt8(ascii: "t"): scalars.append(0x09)
                case UInt8(ascii: "u"):
                    guard var code = hex4() else { return nil }
                    if (0xD800..<0xDC00).contains(code) {
                        guard take(UInt8(ascii: "\\")), take(UInt8(ascii: "u")), let low = hex4(), (0xDC00..<0xE000).contains(low) else { return nil }
                        code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                    }
                    guard let scalar = Unicode.Scalar(code) else { return nil }
                    scalars.append(contentsOf: Array(String(Character(scalar)).utf8))
                default: return nil
                }
            default:
                guard byte >= 0x20 else { return nil }
                scalars.append(byte)
            }
        }
        return nil
    }

    private mutating func hex4() -> UInt32? {
        guard position + 4 <= bytes.count else { return nil }
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard let digit = UInt8(ascii: "0").distance(to: bytes[position]) < 10 && bytes[position] >= UInt8(ascii: "0")
                ? UInt32(bytes[position] - UInt8(ascii: "0"))
                : hexLetter(bytes[position]) else { return nil }
            value = value << 4 | digit
            position += 1
        }
        return value
    }

    private func hexLetter(_ byte: UInt8) -> UInt32? {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "f"): UInt32(byte - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): UInt32(byte - UInt8(ascii: "A") + 10)
        default: nil
        }
    }

    private mutating func take(_ byte: UInt8) -> Bool {
        guard position < bytes.count, bytes[position] == byte else { return false }
        position += 1
        return true
    }

    private func atEnd() -> Bool { position == bytes.count }
}

extension EdgeRow {
    /// Reads a row line quickly; nil when it is not exactly an edge row.
    init?(fields: [String: FlatJSON.Value]) {
        guard fields.count == 14, case .string("edge")? = fields["kind"],
              case .string(let cluster)? = fields["cluster"], case .string(let day)? = fields["day"],
              case .string(let src)? = fields["src_ns"], case .string(let dst)? = fields["dst_ns"],
              case .string(let actionText)? = fields["action"], let action = FlowAction(rawValue: actionText),
              let totals = EdgeTotals(fields: fields) else { return nil }
        self.init(cluster: cluster, day: day, srcNs: src, dstNs: dst, action: action, totals: totals)
    }
}

extension WideEdgeRow {
    /// Reads a row line quickly; nil when it is not exactly a wide row.
    init?(fields: [String: FlatJSON.Value]) {
        func text(_ key: String) -> String? {
            if case .string(let value)? = fields[key] { return value }
            return nil
        }
        guard fields.count == 24, text("kind") == "wide", let cluster = text("cluster"),
              let srcType = text("src_type").flatMap(EndpointType.init(rawValue:)), let srcNs = text("src_ns"), let srcIdentity = text("src_identity"),
              let srcWorkload = text("src_workload"),
              let dstType = text("dst_type").flatMap(EndpointType.init(rawValue:)), let dstNs = text("dst_ns"), let dstIdentity = text("dst_identity"), let dstWorkload = text("dst_workload"),
              let dstService = text("dst_service"), case .integer(let dstPort)? = fields["dst_port"], let proto = text("proto"),
              let action = text("action").flatMap(FlowAction.init(rawValue:)), let reporter = text("reporter").flatMap(Reporter.init(rawValue:)),
              case .strings(let days)? = fields["days"], days.count == 1,
              let totals = EdgeTotals(fields: fields) else { return nil }
        self.init(cluster: cluster, srcType: srcType, srcNs: srcNs, srcIdentity: srcIdentity, srcWorkload: srcWorkload, dstType: dstType, dstNs: dstNs,
                  dstIdentity: dstIdentity, dstWorkload: dstWorkload, dstService: dstService, dstPort: dstPort, proto: proto,
                  action: action, reporter: reporter, totals: totals, days: days)
    }
}

extension PolicyFlowRow {
    /// Reads a row line quickly; nil when it is not exactly a policy row.
    init?(fields: [String: FlatJSON.Value]) {
        func text(_ key: String) -> String? {
            if case .string(let value)? = fields[key] { return value }
            return nil
        }
        func number(_ key: String) -> Int64? {
            if case .integer(let value)? = fields[key] { return value }
            return nil
        }
        func decision(_ prefix: String) -> PolicyDecision? {
            guard let kind = text(prefix + "_kind"), let tier = text(prefix + "_tier"), let policy = text(prefix + "_policy"),
                  let rule = number(prefix + "_rule"), let actionText = text(prefix + "_action"), let trigger = text(prefix + "_trigger"),
                  actionText.isEmpty || FlowAction(rawValue: actionText) != nil else { return nil }
            let action = actionText.isEmpty ? nil : FlowAction(rawValue: actionText)
            return PolicyDecision(kind: kind, tier: tier, policy: policy, rule: rule, action: action, trigger: trigger)
        }
        guard fields.count == 31, text("kind") == "policy", let cluster = text("cluster"), let day = text("day"),
              let srcType = text("src_type").flatMap(EndpointType.init(rawValue:)), let srcNs = text("src_ns"), let srcWorkload = text("src_workload"),
              case .strings(let srcLabels)? = fields["src_labels"],
              let dstType = text("dst_type").flatMap(EndpointType.init(rawValue:)), let dstNs = text("dst_ns"), let dstWorkload = text("dst_workload"),
              case .strings(let dstLabels)? = fields["dst_labels"], let dstPort = number("dst_port"),
              let proto = text("proto"), let reporter = text("reporter").flatMap(Reporter.init(rawValue:)),
              let action = text("action").flatMap(FlowAction.init(rawValue:)),
              let enforced = decision("enforced"), let pending = decision("pending"),
              let firstSeen = number("first_seen"), let lastSeen = number("last_seen"),
              let flowCount = number("flow_count"), let connections = number("connections") else { return nil }
        let identity = PolicyFlowIdentity(
            srcType: srcType, srcNs: srcNs, srcWorkload: srcWorkload, srcLabels: srcLabels, dstType: dstType, dstNs: dstNs,
            dstWorkload: dstWorkload, dstLabels: dstLabels, dstPort: dstPort, proto: proto, reporter: reporter, action: action,
            enforced: enforced, pending: pending)
        self.init(cluster: cluster, day: day, identity: identity, firstSeen: firstSeen, lastSeen: lastSeen, flowCount: flowCount, connections: connections)
    }
}

extension EdgeTotals {
    init?(fields: [String: FlatJSON.Value]) {
        func number(_ key: String) -> Int64? {
            if case .integer(let value)? = fields[key] { return value }
            return nil
        }
        guard let firstSeen = number("first_seen"), let lastSeen = number("last_seen"), let flowCount = number("flow_count"),
              let connections = number("connections"), let packetsIn = number("packets_in"), let packetsOut = number("packets_out"),
              let bytesIn = number("bytes_in"), let bytesOut = number("bytes_out") else { return nil }
        self.init(firstSeen: firstSeen, lastSeen: lastSeen, flowCount: flowCount, connections: connections,
                  packetsIn: packetsIn, packetsOut: packetsOut, bytesIn: bytesIn, bytesOut: bytesOut)
    }
}
