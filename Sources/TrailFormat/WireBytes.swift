/// The protobuf wire primitives of the hot path, on raw bytes.
@usableFromInline
enum WireBytes {
    /// Reads a varint at `position` (advancing it); nil when it runs past `end` or is too long.
    @inlinable @inline(__always)
    static func varint(_ base: UnsafePointer<UInt8>, _ position: inout Int, _ end: Int) -> UInt64? {
        guard position < end else { return nil }
        let first = base[position]
        position += 1
        if first < 0x80 { return UInt64(first) }
        var value = UInt64(first & 0x7F)
        var shift: UInt64 = 7
        while position < end {
            let byte = base[position]
            position += 1
            value |= UInt64(byte & 0x7F) << shift
            if byte < 0x80 { return value }
            shift += 7
            if shift >= 70 { return nil }
        }
        return nil
    }

    /// Skips a fixed-width field (wire types 1 and 5); false for anything else or when short.
    @inline(__always)
    static func skipFixed(_ tag: UInt64, _ position: inout Int, _ end: Int) -> Bool {
        let size: Int
        switch tag & 7 {
        case 1: size = 8
        case 5: size = 4
        default: return false
        }
        guard end - position >= size else { return false }
        position += size
        return true
    }
}
