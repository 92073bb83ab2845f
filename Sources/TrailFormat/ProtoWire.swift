/// Protobuf wire-format primitives for reading the few fields the pipeline needs straight
/// from a record's bytes, without a full decode. Written for the per-item hot path: no
/// closures, no allocation, one pass.
package enum ProtoWire {
    package enum WireType: UInt8 {
        case varint = 0, fixed64 = 1, lengthDelimited = 2, startGroup = 3, endGroup = 4, fixed32 = 5
    }

    /// One field: its number, wire type, and either its varint value or its payload range.
    package struct Field {
        package var number: UInt64
        package var wireType: WireType
        package var value: UInt64
        package var payload: Range<Int>
    }

    /// Walks the fields of one message. `next()` returns nil at the end; `isMalformed` then
    /// tells a clean end from bytes that are not a message (groups are refused: Goldmane's
    /// schema has none).
    package struct Scanner {
        let base: UnsafeRawPointer?
        var position: Int
        let end: Int
        package private(set) var isMalformed = false

        @inline(__always)
        package init(_ bytes: UnsafeRawBufferPointer, in range: Range<Int>) {
            base = bytes.baseAddress
            position = range.lowerBound
            end = range.upperBound
        }

        @inline(__always)
        mutating func varint() -> UInt64? {
            guard let base else { return nil }
            return WireBytes.varint(base.assumingMemoryBound(to: UInt8.self), &position, end)
        }

        @inline(__always)
        package mutating func next() -> Field? {
            guard position < end else { return nil }
            guard let tag = varint(), tag >> 3 != 0, let wireType = WireType(rawValue: UInt8(tag & 7)) else {
                isMalformed = true
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
                let size = wireType == .fixed64 ? 8 : 4
                guard end - position >= size else { break }
                position += size
                return Field(number: tag >> 3, wireType: wireType, value: 0, payload: start..<position)
            case .startGroup, .endGroup:
                break
            }
            isMalformed = true
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
