/// What an ipBlock admits of Goldmane's `pub` and `pvt` ends, whose addresses flow data does
/// not carry. Taken as IPv4 only: `pvt` is RFC 1918 (10.0.0.0/8, 172.16.0.0/12,
/// 192.168.0.0/16), `pub` every other IPv4 address. A rule's ipBlocks together admit the end
/// when they cover all of its space, do not admit it when they cover none of it, and leave it
/// undecidable when they cover part (which addresses the flows went to is unknown).
enum NetworkSpace {
    /// Closed ranges of IPv4 addresses as integers.
    typealias Ranges = [ClosedRange<UInt64>]

    static let privateRanges: Ranges = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"].compactMap(parse)
    static let all: Ranges = [0...0xFFFF_FFFF]

    /// The space of a network end, nil for names other than `pub` and `pvt`.
    static func space(of name: String) -> Ranges? {
        switch name {
        case "pvt": privateRanges
        case "pub": subtract(all, privateRanges)
        default: nil
        }
    }

    enum Coverage: Equatable { case all, nothing, part }

    /// How much of `space` the blocks (each its cidr minus its excepts) cover together. IPv6
    /// blocks cover no IPv4 address; a cidr that does not parse is nil (the decoder checks them).
    static func coverage(of space: Ranges, by blocks: [NetworkPolicy.IPBlock]) -> Coverage? {
        var admitted: Ranges = []
        for block in blocks {
            if block.cidr.contains(":") { continue }
            guard let cidr = parse(block.cidr) else { return nil }
            var ranges: Ranges = [cidr]
            for except in block.except where !except.contains(":") {
                guard let cut = parse(except) else { return nil }
                ranges = subtract(ranges, [cut])
            }
            admitted += ranges
        }
        let left = subtract(space, admitted)
        if left.isEmpty { return .all }
        return left == normalized(space) ? .nothing : .part
    }

    /// `a.b.c.d/n` as the range of addresses it names.
    static func parse(_ cidr: String) -> ClosedRange<UInt64>? {
        let parts = cidr.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let bits = Int(parts[1]), (0...32).contains(bits) else { return nil }
        let octets = parts[0].split(separator: ".", omittingEmptySubsequences: false).compactMap { UInt64($0) }
        guard octets.count == 4, octets.allSatisfy({ $0 <= 255 }) else { return nil }
        let address = octets.reduce(0) { $0 << 8 | $1 }
        let size: UInt64 = 1 << (32 - bits)
        let start = address & ~(size - 1)
        return start...(start + size - 1)
    }

    static func normalized(_ ranges: Ranges) -> Ranges {
        var result: Ranges = []
        for range in ranges.sorted(by: { $0.lowerBound < $1.lowerBound }) {
            if let last = result.last, range.lowerBound <= last.upperBound + 1 {
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
