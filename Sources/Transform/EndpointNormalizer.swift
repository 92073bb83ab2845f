import TrailFormat

/// The normalisation learned from the system goldmane-trail replaces (design §4).
package enum EndpointNormalizer {
    /// `-` and the empty string both mean "no namespace".
    package static func namespace(_ raw: String) -> String? {
        raw.isEmpty || raw == "-" ? nil : raw
    }

    /// A workload's aggregated name without Goldmane's generated suffix:
    /// `traefik-7cbc567497-*` -> `traefik` (a ReplicaSet's pod-template hash),
    /// `fixer-tick-29804008-*` -> `fixer-tick` (a CronJob's scheduled Job),
    /// `calico-node-*` -> `calico-node`; StatefulSet ordinals (`postgres-0`) and names
    /// without a generated suffix are kept.
    package static func workloadName(_ raw: String) -> String {
        guard raw.hasSuffix("*") else { return raw }
        var name = Substring(raw.dropLast())
        if name.hasSuffix("-") { name = name.dropLast() }
        guard let dash = name.lastIndex(of: "-") else { return String(name) }
        let last = name[name.index(after: dash)...]
        if isPodTemplateHash(last) || isCronJobSuffix(last) {
            return String(name[..<dash])
        }
        return String(name)
    }

    /// Kubernetes' pod-template hashes are 6 to 10 characters of the "safe" alphabet
    /// (no vowels, no 0, 1 or 3), with at least one digit.
    static func isPodTemplateHash(_ part: Substring) -> Bool {
        isPodTemplateHash(part.utf8)
    }

    static func isPodTemplateHash(_ bytes: some Collection<UInt8>) -> Bool {
        guard (6...10).contains(bytes.count) else { return false }
        return bytes.allSatisfy(isSafe) && bytes.contains { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
    }

    /// Kubernetes' "safe" alphabet, `bcdfghjklmnpqrstvwxz2456789`, as a bit per ASCII byte: the
    /// digits in `safeBelow64`, the letters in `safeFrom64` (a test checks both against the
    /// alphabet). Constants, not a table: the fold asks once per byte of each new key's name.
    static var safeBelow64: UInt64 { 0x03F4_0000_0000_0000 }
    static var safeFrom64: UInt64 { 0x05DF_7DDC_0000_0000 }

    @inline(__always)
    static func isSafe(_ byte: UInt8) -> Bool {
        byte < 64 ? safeBelow64 >> byte & 1 == 1 : byte < 128 && safeFrom64 >> (byte - 64) & 1 == 1
    }

    /// A CronJob's Job is named `<cronjob>-<minutes since the epoch>` (8 digits today).
    static func isCronJobSuffix(_ part: Substring) -> Bool {
        isCronJobSuffix(part.utf8)
    }

    static func isCronJobSuffix(_ bytes: some Collection<UInt8>) -> Bool {
        bytes.count >= 8 && bytes.allSatisfy { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
    }
}

extension EndpointNormalizer {
    /// `workloadName` on the bytes of an ASCII name: the range of `record` the name keeps.
    /// (For ASCII, every Character is one byte, so trimming bytes trims what `workloadName` trims.)
    static func workloadNameRange(_ record: UnsafeRawBufferPointer, _ raw: Range<Int>) -> Range<Int> {
        guard let last = raw.last, record[last] == UInt8(ascii: "*") else { return raw }
        var end = last
        if end > raw.lowerBound && record[end - 1] == UInt8(ascii: "-") { end -= 1 }
        var dash = end - 1
        while dash >= raw.lowerBound && record[dash] != UInt8(ascii: "-") { dash -= 1 }
        guard dash >= raw.lowerBound else { return raw.lowerBound..<end }
        let suffix = UnsafeRawBufferPointer(rebasing: record[(dash + 1)..<end])
        return isPodTemplateHash(suffix) || isCronJobSuffix(suffix) ? raw.lowerBound..<dash : raw.lowerBound..<end
    }
}
