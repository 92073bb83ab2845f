/// Protobuf base-128 varints: the record length prefix of the delimited convention.
package enum Varint {
    package static func append(_ value: UInt64, to bytes: inout [UInt8]) {
        var rest = value
        while rest >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: rest) | 0x80)
            rest >>= 7
        }
        bytes.append(UInt8(rest))
    }

    /// How many bytes `value` takes as a varint.
    package static func size(_ value: UInt64) -> Int {
        var size = 1
        var rest = value >> 7
        while rest != 0 {
            size += 1
            rest >>= 7
        }
        return size
    }

    /// Decodes the varint at `offset`; returns the value and the offset after it, or nil
    /// when the bytes end inside the varint or it is longer than 10 bytes.
    @inline(__always)
    package static func decode(_ bytes: UnsafeRawBufferPointer, at offset: Int) -> (value: UInt64, next: Int)? {
        guard let base = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return nil }
        var position = offset
        return WireBytes.varint(base, &position, bytes.count).map { ($0, position) }
    }
}
