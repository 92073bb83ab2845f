import TrailFormat

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What ipBlocks admit of Goldmane's `pub` and `pvt` ends, whose addresses flow data does not
/// carry. `pvt` is taken to be RFC 1918 (10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16) and, for
/// IPv6, unique local addresses (fc00::/7); `pub` every other address, in the IP families the
/// cluster uses (`IPFamilies`: IPv4 unless told otherwise). A rule set's ipBlocks together
/// admit the end when they cover all of its space, do not when they cover none of it, and
/// leave it undecidable when they cover part (which addresses the flows went to is unknown).
package enum NetworkSpace {
    typealias Ranges = [ClosedRange<UInt128>]

    /// One family's space: its ranges, within the family's address range.
    struct Family {
        var bits: Int
        var ranges: Ranges
        var all: ClosedRange<UInt128> { 0...(bits == 128 ? UInt128.max : (UInt128(1) << bits) - 1) }
    }

    static let privateV4: Ranges = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"].compactMap { parse($0)?.range }
    static let privateV6: Ranges = [parse("fc00::/7")!.range]

    /// The space of a network end per family, nil for names other than `pub` and `pvt`.
    static func space(of name: String, families: IPFamilies = .ipv4) -> [Family]? {
        guard let network = NetworkName(rawValue: name) else { return nil }
        var result: [Family] = []
        for bits in families.bits {
            let all: ClosedRange<UInt128> = Family(bits: bits, ranges: []).all
            let privateRanges = bits == 32 ? privateV4 : privateV6
            switch network {
            case .pvt: result.append(Family(bits: bits, ranges: privateRanges))
            case .pub: result.append(Family(bits: bits, ranges: subtract([all], privateRanges)))
            }
        }
        return result
    }

    /// The space of a network set: its CIDRs per family (nil when one does not parse).
    static func space(ofCIDRs cidrs: [String]) -> [Family]? {
        var byBits: [Int: Ranges] = [:]
        for cidr in cidrs {
            guard let parsed = parse(cidr) else { return nil }
            byBits[parsed.bits, default: []].append(parsed.range)
        }
        return byBits.keys.sorted().map { Family(bits: $0, ranges: normalized(byBits[$0]!)) }
    }

    static func describe(_ name: String, families: IPFamilies = .ipv4) -> String {
        let v6 = families.bits.contains(128)
        if NetworkName(rawValue: name) == .pvt { return v6 ? "RFC 1918 and fc00::/7" : "RFC 1918" }
        return v6 ? "IPv4 outside RFC 1918 and IPv6 outside fc00::/7" : "IPv4 outside RFC 1918"
    }

    enum Coverage: Equatable { case all, nothing, part }

    /// How much of `space` the blocks (each its cidr minus its excepts) cover together; nil
    /// when a cidr does not parse (the decoder refuses those).
    static func coverage(of space: [Family], by blocks: [NetworkPolicy.IPBlock]) -> Coverage? {
        var results: [Coverage] = []
        for family in space {
            var admitted: Ranges = []
            for block in blocks {
                guard let cidr = parse(block.cidr) else { return nil }
                guard cidr.bits == family.bits else { continue }
                var ranges: Ranges = [cidr.range]
                for except in block.except {
                    guard let cut = parse(except) else { return nil }
                    if cut.bits == family.bits { ranges = subtract(ranges, [cut.range]) }
                }
                admitted += ranges
            }
            let left = subtract(family.ranges, admitted)
            results.append(left.isEmpty ? .all : left == normalized(family.ranges) ? .nothing : .part)
        }
        if results.allSatisfy({ $0 == .all }) { return .all }
        if results.allSatisfy({ $0 == .nothing }) { return .nothing }
        return .part
    }

    /// A CIDR (`10.0.0.0/8`, `fd00::/8`) as its family's width and the range of addresses it names.
    static func parse(_ cidr: String) -> (bits: Int, range: ClosedRange<UInt128>)? {
        let parts = cidr.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let prefix = Int(parts[1]) else { return nil }
        let v6 = parts[0].contains(":")
        let width = v6 ? 128 : 32
        guard (0...width).contains(prefix) else { return nil }
        var address: UInt128 = 0
        if v6 {
            var raw = in6_addr()
            guard inet_pton(AF_INET6, String(parts[0]), &raw) == 1 else { return nil }
            address = withUnsafeBytes(of: raw) { bytes in bytes.reduce(UInt128(0)) { $0 << 8 | UInt128($1) } }
        } else {
            // inet_pton takes dotted quads only (no "10/8" shorthand), as Kubernetes does.
            var raw = in_addr()
            guard inet_pton(AF_INET, String(parts[0]), &raw) == 1 else { return nil }
            address = withUnsafeBytes(of: raw) { bytes in bytes.reduce(UInt128(0)) { $0 << 8 | UInt128($1) } }
        }
        let hostBits = width - prefix
        let mask: UInt128 = hostBits == 128 ? .max : (UInt128(1) << hostBits) - 1
        let start = address & ~mask
        return (width, start...(start | mask))
    }

    static func normalized(_ ranges: Ranges) -> Ranges {
        var result: Ranges = []
        for range in ranges.sorted(by: { $0.lowerBound < $1.lowerBound }) {
            if let last = result.last, last.upperBound == .max || range.lowerBound <= last.upperBound + 1 {
                result[result.count - 1] = last.lowerBound...max(last.upperBound, range.upperBound)
            } else {
                result.append(range)
            }
        }
        return result
    }

    static func subtract(_ ranges: Ranges, _ cuts: Ranges) -> Ranges {
        var result = normalized(ranges)
        for cut in normalized(cuts) {
            result = result.flatMap { range -> Ranges in
                guard cut.overlaps(range) else { return [range] }
                var pieces: Ranges = []
                if range.lowerBound < cut.lowerBound { pieces.append(range.lowerBound...(cut.lowerBound - 1)) }
                if range.upperBound > cut.upperBound { pieces.append((cut.upperBound + 1)...range.upperBound) }
                return pieces
            }
        }
        return result
    }
}

/// The IP families the cluster's traffic uses, which `pub` and `pvt` are taken to span.
package struct IPFamilies: Sendable, Equatable {
    package var bits: [Int]
    package static let ipv4 = IPFamilies(bits: [32])
    package static let dualStack = IPFamilies(bits: [32, 128])

    /// `4`, `6` or `4,6`.
    package init?(_ text: String) {
        var bits: [Int] = []
        for part in text.split(separator: ",") {
            switch part.filter({ $0 != " " }) {
            case "4": bits.append(32)
            case "6": bits.append(128)
            default: return nil
            }
        }
        guard !bits.isEmpty else { return nil }
        self.bits = Array(Set(bits)).sorted()
    }

    init(bits: [Int]) { self.bits = bits }

    package var description: String { bits.map { $0 == 32 ? "4" : "6" }.joined(separator: ",") }
}
