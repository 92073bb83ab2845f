import Testing
import TrailFormat
import TrailTestSupport

/// `KeyHash` sends every lookup of the fold's tables to its slot: distinct keys must get
/// distinct hashes, and their low bits (a slot index) must spread evenly, for keys that
/// differ only in one byte anywhere, of every length around the four lanes' 32-byte stride.
@Suite struct KeyHashTests {
    @Test func distinctKeysSpreadOverTheSlots() {
        var stream = CaseStream(state: 17)
        var hashes = Set<UInt64>()
        var keys = Set<[UInt8]>()
        var slots = [Int](repeating: 0, count: 1 << 16)
        // Keys alike but for a counter written somewhere in them, as FlowKeys of one
        // deployment differ in a pod hash: 0 to 200 bytes, every length under 72.
        for index in 0..<300_000 {
            let length = index < 72 * 64 ? index % 72 : stream.next(201)
            var key = [UInt8](repeating: UInt8(ascii: "a"), count: length)
            var value = index
            var position = length > 0 ? stream.next(length) : 0
            while value > 0 && position < length {
                key[position] = UInt8(truncatingIfNeeded: value)
                value >>= 8
                position += 1
            }
            guard keys.insert(key).inserted else { continue }
            let hash = key.withUnsafeBytes { KeyHash.of($0) }
            hashes.insert(hash)
            slots[Int(hash & 0xFFFF)] += 1
        }
        #expect(keys.count > 250_000)
        #expect(hashes.count == keys.count, "distinct keys with one hash")
        let mean = Double(keys.count) / Double(slots.count)
        #expect(Double(slots.max()!) < mean * 4, "a slot with \(slots.max()!) keys, the mean is \(mean)")
    }

    /// Every byte counts, at every length from 1 to 100 (under 8 bytes, byte by byte; whole
    /// words; a tail read as the word ending at the end; one to three lanes of 32 bytes and more).
    @Test func everyByteCountsAtEveryLength() {
        let key = (0..<100).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
        var ignored: [String] = []
        for length in 1...100 {
            let prefix = Array(key[0..<length])
            let base = prefix.withUnsafeBytes { KeyHash.of($0) }
            for position in 0..<length {
                for flip: UInt8 in [0x01, 0x80] {
                    var changed = prefix
                    changed[position] ^= flip
                    if changed.withUnsafeBytes({ KeyHash.of($0) }) == base { ignored.append("length \(length), byte \(position), bit \(flip)") }
                }
            }
        }
        #expect(ignored.isEmpty, "bits that did not change the hash: \(ignored.prefix(10))")
    }

    /// Keys that differ only in length (a prefix of another, zeros appended) hash apart.
    @Test func everyLengthCounts() {
        let zeros = [UInt8](repeating: 0, count: 100)
        let hashes = (0...100).map { length in Array(zeros[0..<length]).withUnsafeBytes { KeyHash.of($0) } }
        #expect(Set(hashes).count == hashes.count)
    }
}
