/// Protobuf wire-format primitives for reading the few fields the pipeline needs straight
/// from a record's bytes, without a full decode. Written for the per-item hot path: no
/// closures, no allocation, one pass.
public enum ProtoWire {
    public enum WireType: UInt8 {
        case varint = 0, fixed64 = 1, lengthDelimited = 2, startGroup = 3, endGroup = 4, fixed32 = 5
    }

    /// One field: its number, wire type, and either its varint value or its payload range.
    public struct Field {
        public var number: UInt64
        public var wireType: WireType
        public var value: UInt64
        public var payload: Range<Int>

        @inlinable
        init(number: UInt64, wireType: WireType, value: UInt64, payload: Range<Int>) {
            self.number = number
            self.wireType = wireType
            self.value = value
            self.payload = payload
        }
    }

    /// Walks the fields of one message. `next()` returns nil at the end; `isMalformed` then
    /// tells a clean end from bytes that are not a message (groups are refused: Goldmane's
    /// schema has none).
    /// Public and inlinable: the fold reads each new FlowKey through it from another module
    /// (`@inlinable` inlines only public declarations; package ones would need library evolution).
    public struct Scanner {
        @usableFromInline let base: UnsafeRawPointer?
        @usableFromInline var position: Int
        @usableFromInline let end: Int
        @usableFromInline var malformed = false

        @inlinable @inline(__always)
        public init(_ bytes: UnsafeRawBufferPointer, in range: Range<Int>) {
            base = bytes.baseAddress
            position = range.lowerBound
            end = range.upperBound
        }

        /// After `next()` returned nil: true when the bytes are not a message (else a clean end).
        @inlinable
        public var isMalformed: Bool { malformed }

        @inlinable @inline(__always)
        mutating func varint() -> UInt64? {
            guard let base else { return nil }
            return WireBytes.varint(base.assumingMemoryBound(to: UInt8.self), &position, end)
        }

        @inlinable @inline(__always)
        public mutating func next() -> Field? {
            guard position < end else { return nil }
            guard let tag = varint(), tag >> 3 != 0, let wireType = WireType(rawValue: UInt8(tag & 7)) else {
                malformed = true
                return nil
            }
            let start = position
            switch wireType {
            case .varint:
                guard let value = varint() else { break }
                return Field(number: tag >> 3, wireType: wireType, value: value, payload: start..<position)
            case .lengthDelimited:
                guard let length = varint(), length <= UInt64(end - position) else { break }
                let payloadStart = position
                position += Int(length)
                return Field(number: tag >> 3, wireType: wireType, value: length, payload: payloadStart..<position)
            case .fixed64, .fixed32:
                let size = if case .fixed64 = wireType { 8 } else { 4 }
                guard end - position >= size else { break }
                position += size
                return Field(number: tag >> 3, wireType: wireType, value: 0, payload: start..<position)
            case .startGroup, .endGroup:
                break
            }
            malformed = true
            return nil
        }
    }

    /// Calls `body` for every field of the message in `range`; false when the message is malformed.
    package static func forEachField(_ bytes: UnsafeRawBufferPointer, in range: Range<Int>, _ body: (Field) -> Void) -> Bool {
        var scanner = Scanner(bytes, in: range)
        while let field = scanner.next() { body(field) }
        return !scanner.isMalformed
    }
}
