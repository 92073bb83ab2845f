import TrailFormat

/// A wide row's identity as bytes, the one encoding both ways of making a key share
/// (`WideEdgeKey.encode` from its Strings, `WideRowBytes` from a FlowKey's wire bytes):
/// the types, action and reporter as one byte each (their wire numbers, 0 for any other),
/// each string after its length (4 bytes, little-endian), the port as 8 bytes.
enum WideKeyEncoding {
    @inline(__always)
    static func code(_ type: EndpointType) -> UInt8 {
        switch type {
        case .workload: 1
        case .host: 2
        case .networkset: 3
        case .network: 4
        case .unknown: 0
        }
    }

    @inline(__always)
    static func code(_ action: FlowAction) -> UInt8 {
        switch action {
        case .allow: 1
        case .deny: 2
        case .pass: 3
        case .unspecified: 0
        }
    }

    @inline(__always)
    static func code(_ reporter: Reporter) -> UInt8 {
        switch reporter {
        case .src: 1
        case .dst: 2
        case .unspecified: 0
        }
    }

    @inline(__always)
    static func length(_ count: Int, into bytes: inout [UInt8]) {
        withUnsafeBytes(of: UInt32(truncatingIfNeeded: count).littleEndian) { bytes.append(contentsOf: $0) }
    }

    @inline(__always)
    static func string(_ text: String, into bytes: inout [UInt8]) {
        length(text.utf8.count, into: &bytes)
        bytes.append(contentsOf: text.utf8)
    }

    @inline(__always)
    static func port(_ port: Int64, into bytes: inout [UInt8]) {
        withUnsafeBytes(of: port.littleEndian) { bytes.append(contentsOf: $0) }
    }
}

/// One field of an encoding (`WideKeyEncoding.encode`).
enum WideKeyField {
    case code(UInt8)
    case string(String)
    case port(Int64)
}

extension WideKeyEncoding {
    /// `fields`' bytes, into `bytes` (emptied first).
    static func encode(_ fields: [WideKeyField], into bytes: inout [UInt8]) {
        bytes.removeAll(keepingCapacity: true)
        for field in fields {
            switch field {
            case .code(let code): bytes.append(code)
            case .string(let text): string(text, into: &bytes)
            case .port(let value): port(value, into: &bytes)
            }
        }
    }
}

extension WideEdgeKey {
    /// This key's bytes (`WideKeyEncoding`), into `bytes` (emptied first).
    func encode(into bytes: inout [UInt8]) {
        WideKeyEncoding.encode([
            .code(WideKeyEncoding.code(srcType)), .string(srcNs), .string(srcIdentity), .string(srcWorkload),
            .code(WideKeyEncoding.code(dstType)), .string(dstNs), .string(dstIdentity), .string(dstWorkload),
            .string(dstService), .port(dstPort), .string(proto), .code(WideKeyEncoding.code(action)), .code(WideKeyEncoding.code(reporter)),
        ], into: &bytes)
    }
}

extension WideEdgeKey {
    /// The key whose `encode` gave `bytes` (bytes this build encoded: any other is a bug).
    init(encoded bytes: UnsafeRawBufferPointer) {
        var reader = WideKeyDecoder(bytes: bytes)
        srcType = EndpointType(wire: Int(reader.byte()))
        srcNs = reader.string()
        srcIdentity = reader.string()
        srcWorkload = reader.string()
        dstType = EndpointType(wire: Int(reader.byte()))
        dstNs = reader.string()
        dstIdentity = reader.string()
        dstWorkload = reader.string()
        dstService = reader.string()
        dstPort = reader.port()
        proto = reader.string()
        action = FlowAction(wire: Int(reader.byte()))
        reporter = Reporter(wire: Int(reader.byte()))
        precondition(reader.position == bytes.count, "a wide key's bytes run on past its fields")
    }
}

/// Reads `WideKeyEncoding`'s bytes back, field by field (bounds-checked: a short read traps).
struct WideKeyDecoder {
    let bytes: UnsafeRawBufferPointer
    var position = 0

    mutating func byte() -> UInt8 {
        defer { position += 1 }
        return bytes[position]
    }

    mutating func string() -> String {
        let count = Int(UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: position, as: UInt32.self)))
        precondition(position + 4 + count <= bytes.count, "a wide key's string runs past its bytes")
        defer { position += 4 + count }
        return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[(position + 4)..<(position + 4 + count)]), as: UTF8.self)
    }

    mutating func port() -> Int64 {
        precondition(position + 8 <= bytes.count, "a wide key's port runs past its bytes")
        defer { position += 8 }
        return Int64(littleEndian: bytes.loadUnaligned(fromByteOffset: position, as: Int64.self))
    }
}
