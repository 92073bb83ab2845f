/// The fold's hash of a byte string (a FlowKey's wire bytes, a label value): fast, 32 bytes
/// at a time, and never stored or compared across processes (the order of ids it gives never
/// reaches the output). Computed for each record's FlowKey on the thread that parses a frame
/// (`DecodedFrame.keyHash`), so the fold can look a few records ahead and prefetch.
///
/// Public, for the fold's cross-module inlining: `@inlinable` inlines only public declarations
/// (package declarations would need library evolution).
public enum KeyHash {
    /// Four lanes of 8 bytes each, mixed independently (so that the multiplications of a long
    /// key overlap instead of waiting on one another), then folded into one. The last bytes of a
    /// key of 8 bytes or more whose length is not a multiple of 8 are read as one word ending at
    /// its end; a key shorter than 8 bytes is read byte by byte.
    @inlinable @inline(__always)
    public static func of(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        let count = bytes.count
        var a: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(count)
        var b: UInt64 = 0x6A09_E667_F3BC_C909
        var c: UInt64 = 0xBB67_AE85_84CA_A73B
        var d: UInt64 = 0x3C6E_F372_FE94_F82B
        var index = 0
        while index + 32 <= count {
            a = mix(a, word(bytes, index))
            b = mix(b, word(bytes, index + 8))
            c = mix(c, word(bytes, index + 16))
            d = mix(d, word(bytes, index + 24))
            index += 32
        }
        while index + 8 <= count {
            a = mix(a, word(bytes, index))
            index += 8
        }
        let rest = count - index
        if rest > 0 {
            var tail: UInt64 = 0
            if count >= 8 {
                // The word ending at the end, less the bytes already mixed in.
                tail = word(bytes, count - 8) >> UInt64(8 * (8 - rest))
            } else {
                for offset in 0..<rest { tail |= UInt64(bytes[offset]) << UInt64(8 * offset) }
            }
            b = mix(b, tail)
        }
        var hash = mix(mix(mix(a, b), c), d)
        hash = (hash ^ (hash >> 29)) &* 0x94D0_49BB_1331_11EB
        return hash ^ (hash >> 32)
    }

    @inlinable @inline(__always)
    static func mix(_ hash: UInt64, _ word: UInt64) -> UInt64 {
        let mixed = (hash ^ word) &* 0xBF58_476D_1CE4_E5B9
        return mixed ^ (mixed >> 31)
    }

    @inlinable @inline(__always)
    static func word(_ bytes: UnsafeRawBufferPointer, _ offset: Int) -> UInt64 {
        UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
    }
}
