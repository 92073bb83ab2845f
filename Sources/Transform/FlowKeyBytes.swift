import TrailFormat

/// A `goldmane.FlowKey` read in place: where its strings are and its numbers, without making
/// a String. The fold registers a new key through it; when every string field is ASCII, the
/// wide row comes from `WideRowBytes` and Strings are made only for a wide row not yet seen.
///
/// It reads the fields as `FlowKeyView` does (the last occurrence of a field wins; strings
/// are length-delimited, numbers varints) and says whether every occurrence of a string field
/// is ASCII: then `FlowKeyView` would accept the key and give these very bytes as its Strings.
struct FlowKeyBytes {
    var sourceName = 0..<0
    var sourceNamespace = 0..<0
    var sourceType = 0
    var destName = 0..<0
    var destNamespace = 0..<0
    var destType = 0
    var destPort: Int64 = 0
    var destServiceName = 0..<0
    var destServiceNamespace = 0..<0
    var proto = 0..<0
    var reporter = 0
    var action = 0
    /// Every string field (every occurrence of one) is ASCII.
    var isASCII = true

    /// Reads the FlowKey in `range` of `record`; nil when its wire bytes are malformed (as `FlowKeyView`).
    @inline(__always)
    init?(_ record: UnsafeRawBufferPointer, range: Range<Int>) {
        var scanner = ProtoWire.Scanner(record, in: range)
        while let field = scanner.next() {
            // `switch`, not `==`: an enum of another module compared with `==` is a generic call.
            switch field.wireType {
            case .lengthDelimited:
                switch field.number {
                case 1: sourceName = field.payload
                case 2: sourceNamespace = field.payload
                case 4: destName = field.payload
                case 5: destNamespace = field.payload
                case 8: destServiceName = field.payload
                case 9: destServiceNamespace = field.payload
                case 10: break
                case 12: proto = field.payload
                default: continue
                }
                if isASCII && !Self.isASCII(record, field.payload) { isASCII = false }
            case .varint:
                let value = Int64(bitPattern: field.value)
                switch field.number {
                case 3: sourceType = Int(truncatingIfNeeded: value)
                case 6: destType = Int(truncatingIfNeeded: value)
                case 7: destPort = value
                case 13: reporter = Int(truncatingIfNeeded: value)
                case 14: action = Int(truncatingIfNeeded: value)
                default: break
                }
            default:
                continue
            }
        }
        if scanner.isMalformed { return nil }
    }

    /// No byte of `record[range]` has its high bit set (eight at a time).
    @inline(__always)
    static func isASCII(_ record: UnsafeRawBufferPointer, _ range: Range<Int>) -> Bool {
        var index = range.lowerBound
        while index + 8 <= range.upperBound {
            if record.loadUnaligned(fromByteOffset: index, as: UInt64.self) & 0x8080_8080_8080_8080 != 0 { return false }
            index += 8
        }
        while index < range.upperBound {
            if record[index] & 0x80 != 0 { return false }
            index += 1
        }
        return true
    }
}
