#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Strings compared by their UTF-8 bytes, as PostgreSQL's "C" collation and unique keys
/// compare them (Swift's `==` calls canonically equivalent Strings equal even when their
/// bytes differ: a sort by it would leave two such rows in no fixed order).
package enum UTF8Bytes {
    /// Negative, zero or positive: `lhs` sorts before, equals, or sorts after `rhs`, byte-wise.
    @inline(__always)
    package static func compare(_ lhs: String, _ rhs: String) -> Int {
        var left = lhs
        var right = rhs
        return left.withUTF8 { a in
            right.withUTF8 { b in
                let common = min(a.count, b.count)
                if common > 0 {
                    let order = memcmp(a.baseAddress!, b.baseAddress!, common)
                    if order != 0 { return Int(order) }
                }
                return a.count - b.count
            }
        }
    }
}
