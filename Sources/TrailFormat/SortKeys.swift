#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Byte strings whose `memcmp` order is a field list's order (`UTF8Order.precedes`): each
/// UTF-8 field with its 0x00 bytes escaped (0x00 0x01) and ended by 0x00 0x00, and numbers
/// big-endian with the sign bit flipped. A sort of many rows then compares one run of bytes per
/// pair instead of String after String (a sort of 100,000 rows makes millions of comparisons).
///
/// Why the order is the same: two equal fields give equal bytes and the comparison goes on to
/// the next field; at the first byte where two fields differ, their escaped bytes differ in
/// the same direction; and where one field ends first (a prefix of the other), its end 0x00
/// 0x00 is below whatever the other has there (a byte above 0x00, or an escaped 0x00 0x01).
package struct SortKeys {
    private var bytes: [UInt8] = []
    private var starts: [Int] = [0]

    package init(capacity: Int = 0, bytesPerKey: Int = 128) {
        bytes.reserveCapacity(capacity * bytesPerKey)
        starts.reserveCapacity(capacity + 1)
    }

    package var count: Int { starts.count - 1 }

    /// Appends a text field to the key being built.
    @inline(__always)
    package mutating func append(_ field: String) {
        appendEscaped(field)
        endField()
    }

    /// Appends the text field `parts.joined(separator: "\u{0}")`, without joining them.
    @inline(__always)
    package mutating func append(joined parts: [String]) {
        for (index, part) in parts.enumerated() {
            if index > 0 {
                // The separator 0x00, escaped.
                bytes.append(0)
                bytes.append(1)
            }
            appendEscaped(part)
        }
        endField()
    }

    /// Appends the text field `String(number)`, left-padded with `0` to `width` digits when
    /// the number is not negative (numbers then sort as numbers), without making the String.
    package mutating func append(decimal number: Int64, zeroPaddedTo width: Int = 0) {
        if number < 0 { bytes.append(UInt8(ascii: "-")) }
        // The magnitude as unsigned: Int64.min has none as a signed value.
        var magnitude = number.magnitude
        var digitCount = 1
        var rest = magnitude / 10
        while rest > 0 {
            digitCount += 1
            rest /= 10
        }
        if number >= 0 && digitCount < width { bytes.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: width - digitCount)) }
        let start = bytes.count
        repeat {
            bytes.append(UInt8(ascii: "0") + UInt8(magnitude % 10))
            magnitude /= 10
        } while magnitude > 0
        bytes[start...].reverse()
        endField()
    }

    @inline(__always)
    private mutating func appendEscaped(_ field: String) {
        var field = field
        field.withUTF8 { utf8 in
            if !utf8.contains(0) {
                bytes.append(contentsOf: utf8)
            } else {
                for byte in utf8 {
                    bytes.append(byte)
                    if byte == 0 { bytes.append(1) }
                }
            }
        }
    }

    @inline(__always)
    private mutating func endField() {
        bytes.append(0)
        bytes.append(0)
    }

    /// Appends a number field to the key being built (signed order).
    @inline(__always)
    package mutating func append(_ number: Int64) {
        let ordered = UInt64(bitPattern: number) ^ (1 << 63)
        for shift in stride(from: 56, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: ordered >> UInt64(shift))) }
    }

    /// The key being built is complete: the next `append` starts the next one.
    @inline(__always)
    package mutating func endKey() {
        starts.append(bytes.count)
    }

    /// The indices of the keys in ascending order (equal keys keep their index order).
    package func ascendingOrder() -> [Int] {
        var order = Array(0..<count)
        bytes.withUnsafeBufferPointer { all in
            starts.withUnsafeBufferPointer { starts in
                let base = all.baseAddress ?? UnsafePointer(bitPattern: 1)!
                order.sort { a, b in
                    let (aStart, aLength) = (starts[a], starts[a + 1] - starts[a])
                    let (bStart, bLength) = (starts[b], starts[b + 1] - starts[b])
                    let common = min(aLength, bLength)
                    if common > 0 {
                        let order = memcmp(base + aStart, base + bStart, common)
                        if order != 0 { return order < 0 }
                    }
                    return aLength < bLength
                }
            }
        }
        return order
    }
}
