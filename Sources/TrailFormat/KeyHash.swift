/// The fold's hash of a byte string (a FlowKey's wire bytes, a label value): fast, 8 bytes at
/// a time, and never stored or compared across processes (the order of ids it gives never
/// reaches the output). Computed for each record's FlowKey on the thread that parses a frame
/// (`DecodedFrame.keyHash`), so the fold can look a few records ahead and prefetch.
///
/// Public, for the fold's cross-module inlining: `@inlinable` inlines only public declarations
/// (package declarations would need library evolution).
public enum KeyHash {
    @inlinable @inline(__always)
    public static func of(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        var hash: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(bytes.count)
        var index = 0
        while index + 8 <= bytes.count {
            let word = bytes.loadUnaligned(fromByteOffset: index, as: UInt64.self)
            hash = (hash ^ word) &* 0xBF58_476D_1CE4_E5B9
            hash ^= hash >> 31
            index += 8
        }
        var tail: UInt64 = 0
        var shift: UInt64 = 0
        while index < bytes.count {
            tail |= UInt64(bytes[index]) << shift
            shift += 8
            index += 1
        }
        hash = (hash ^ tail) &* 0x94D0_49BB_1331_11EB
        return hash ^ (hash >> 29)
    }
}
