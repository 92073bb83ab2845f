/// Protobuf wire-format primitives for reading the few fields the pipeline needs straight
/// from a record's bytes, without a full decode.
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
    }

    /// Reads the field at `offset` within `bytes[..<end]`; nil when malformed.
    @inline(__always)
    public static func field(_ bytes: UnsafeRawBufferPointer, at offset: Int, end: Int) -> (Field, next: Int)? {
        let limited = UnsafeRawBufferPointer(rebasing: bytes[0..<end])
        guard let (tag, afterTag) = Varint.decode(limited, at: offset),
              let wireType = WireType(rawValue: UInt8(tag & 7)), tag >> 3 != 0 else { return nil }
        switch wireType {
        case .varint:
            guard let (value, next) = Varint.decode(limited, at: afterTag) else { return nil }
            return (Field(number: tag >> 3, wireType: wireType, value: value, payload: afterTag..<next), next)
        case .lengthDelimited:
            guard let (length, start) = Varint.decode(limited, at: afterTag), length <= UInt64(end - start) else { return nil }
            let stop = start + Int(length)
            return (Field(number: tag >> 3, wireType: wireType, value: length, payload: start..<stop), stop)
        case .fixed64:
            guard afterTag + 8 <= end else { return nil }
            return (Field(number: tag >> 3, wireType: wireType, value: 0, payload: afterTag..<afterTag + 8), afterTag + 8)
        case .fixed32:
            guard afterTag + 4 <= end else { return nil }
            return (Field(number: tag >> 3, wireType: wireType, value: 0, payload: afterTag..<afterTag + 4), afterTag + 4)
        case .startGroup, .endGroup:
            return nil
        }
    }

    /// Calls `body` for every field of the message in `range`; false when the message is malformed.
    @inline(__always)
    public static func forEachField(_ bytes: UnsafeRawBufferPointer, in range: Range<Int>, _ body: (Field) -> Void) -> Bool {
        var offset = range.lowerBound
        while offset < range.upperBound {
            guard let (field, next) = field(bytes, at: offset, end: range.upperBound) else { return false }
            body(field)
            offset = next
        }
        return true
    }
}
