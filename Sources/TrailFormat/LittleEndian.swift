/// Fixed-width little-endian integers, as the zstd frame format and the segment trailer use.
enum LittleEndian {
    static func append(_ value: UInt32, to bytes: inout [UInt8]) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    static func uint32(_ bytes: some Collection<UInt8>, at offset: Int) -> UInt32 {
        var value: UInt32 = 0
        var index = bytes.index(bytes.startIndex, offsetBy: offset)
        for shift in stride(from: 0, to: 32, by: 8) {
            value |= UInt32(bytes[index]) << UInt32(shift)
            index = bytes.index(after: index)
        }
        return value
    }
}
