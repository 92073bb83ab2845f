import TrailFormat

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Interns byte strings (FlowKey wire bytes, label values): maps each distinct one to a dense
/// id, without allocating or reference counting on a hit. Open addressing with linear
/// probing over a byte arena of fixed-size chunks (never copied as it grows, so a growing
/// table never holds its bytes twice); memory grows with the number of distinct strings only.
///
/// Every buffer is a Swift array, so every index is bounds-checked: a capacity mistake traps
/// instead of corrupting the heap. The only unsafe step left is the `memcmp` of a probe
/// hit, over ranges that were appended to a chunk and are checked against its count.
final class ByteStringTable {
    /// 16 bytes per string. The slot index and the probe's first comparison both use the
    /// hash's low 32 bits: a table never has more than 2^32 slots.
    private struct Entry {
        var chunk: UInt32
        var offset: UInt32
        var length: UInt32
        var hash: UInt32
    }

    /// Bytes per arena chunk; a longer string gets a chunk of its own.
    static let chunkSize = 1 << 20

    /// The most distinct strings one table holds: ids are `Int32`, and `-1` marks an empty slot.
    static let maxCount = Int(Int32.max) - 1

    // One fold uses a table from one thread: no dynamic exclusivity checks on the hot path
    // (bounds checks stay).
    @exclusivity(unchecked) private var chunks: [[UInt8]] = []
    @exclusivity(unchecked) private var entries: [Entry] = []
    /// The slot table: an entry id, or -1. Its size is a power of two, at least twice `count`.
    @exclusivity(unchecked) private var slots: [Int32]
    @exclusivity(unchecked) private var mask: Int
    // Where `slots` and `entries` are, for lookups made ahead of time.
    @exclusivity(unchecked) private var slotsAddress = PrefetchAddress()
    @exclusivity(unchecked) private var entriesAddress = PrefetchAddress()
    @exclusivity(unchecked) private var chunkAddresses: [PrefetchAddress] = []

    var count: Int { entries.count }

    init(capacity: Int = 1 << 12) {
        var size = 16
        while size < capacity * 2 { size <<= 1 }
        mask = size - 1
        slots = [Int32](repeating: -1, count: size)
        entries.reserveCapacity(size / 2)
        chunks.append([])
        chunks[0].reserveCapacity(min(capacity * 64, Self.chunkSize))
        chunkAddresses.append(PrefetchAddress())
        chunkAddresses[0].follow(chunks[0])
        slotsAddress.follow(slots)
        entriesAddress.follow(entries)
    }

    /// The id of `bytes`, inserting it when new.
    @inline(__always)
    func id(of bytes: UnsafeRawBufferPointer) -> (id: Int32, isNew: Bool) {
        id(of: bytes, hash: Self.hash(bytes))
    }

    /// The id of `bytes`, whose `KeyHash` is `fullHash`, inserting it when new.
    @inline(__always)
    func id(of bytes: UnsafeRawBufferPointer, hash fullHash: UInt64) -> (id: Int32, isNew: Bool) {
        let hash = UInt32(truncatingIfNeeded: fullHash)
        var slot = Int(hash) & mask
        while true {
            let id = Int(slots[slot])
            if id < 0 { break }
            let entry = entries[id]
            if entry.hash == hash && Int(entry.length) == bytes.count && equal(entry, bytes) {
                return (Int32(id), false)
            }
            slot = (slot + 1) & mask
        }
        return (insert(bytes, hash: hash, slot: slot), true)
    }

    /// Asks the cache for the slot a lookup of `hash` starts at (a lookup a few records ahead:
    /// the table is far larger than the cache at high cardinality).
    @inline(__always)
    func prefetchSlot(hash: UInt64) {
        slotsAddress.prefetch(Int(UInt32(truncatingIfNeeded: hash)) & mask, of: Int32.self)
    }

    /// Asks the cache for the entry of the string in the slot a lookup of `hash` starts at
    /// (after `prefetchSlot`), returning its id (-1: the slot is empty).
    @inline(__always)
    func prefetchEntry(hash: UInt64) -> Int32 {
        let id = slots[Int(UInt32(truncatingIfNeeded: hash)) & mask]
        if id >= 0 { entriesAddress.prefetch(Int(id), of: Entry.self) }
        return id
    }

    /// Asks the cache for the bytes of the string in the slot a lookup of `hash` starts at
    /// (after `prefetchEntry`).
    @inline(__always)
    func prefetchBytes(hash: UInt64) {
        let id = Int(slots[Int(UInt32(truncatingIfNeeded: hash)) & mask])
        guard id >= 0 else { return }
        let entry = entries[id]
        chunkAddresses[Int(entry.chunk)].prefetch(Int(entry.offset), of: UInt8.self)
    }

    @inline(__always)
    private func equal(_ entry: Entry, _ bytes: UnsafeRawBufferPointer) -> Bool {
        guard bytes.count > 0 else { return true }
        return chunks[Int(entry.chunk)].withUnsafeBytes { stored in
            precondition(Int(entry.offset) + bytes.count <= stored.count)
            return memcmp(stored.baseAddress! + Int(entry.offset), bytes.baseAddress!, bytes.count) == 0
        }
    }

    private func insert(_ bytes: UnsafeRawBufferPointer, hash: UInt32, slot: Int) -> Int32 {
        precondition(entries.count < Self.maxCount, "more than \(Self.maxCount) distinct byte strings in one fold")
        let id = entries.count
        precondition(bytes.count <= Int(Int32.max), "a byte string of \(bytes.count) bytes")
        var last = chunks.count - 1
        if chunks[last].count + bytes.count > max(chunks[last].capacity, Self.chunkSize) {
            // A full chunk stays as it is; the next one is allocated at its full size at once.
            chunks.append([])
            last += 1
            chunks[last].reserveCapacity(max(bytes.count, Self.chunkSize))
            chunkAddresses.append(PrefetchAddress())
        }
        entries.append(Entry(chunk: UInt32(last), offset: UInt32(chunks[last].count), length: UInt32(bytes.count), hash: hash))
        chunks[last].append(contentsOf: bytes)
        chunkAddresses[last].follow(chunks[last])
        entriesAddress.follow(entries)
        slots[slot] = Int32(id)
        // Keep the load factor at most one half, so probes stay short and a free slot exists.
        if entries.count * 2 > slots.count { grow() }
        return Int32(id)
    }

    private func grow() {
        let size = slots.count * 2
        slots = [Int32](repeating: -1, count: size)
        mask = size - 1
        slotsAddress.follow(slots)
        for id in entries.indices {
            var slot = Int(entries[id].hash) & mask
            while slots[slot] >= 0 { slot = (slot + 1) & mask }
            slots[slot] = Int32(id)
        }
    }

    /// Calls `body` with the bytes of string `id`.
    func withBytes<Result>(_ id: Int32, _ body: (UnsafeRawBufferPointer) -> Result) -> Result {
        let entry = entries[Int(id)]
        return chunks[Int(entry.chunk)].withUnsafeBytes { stored in
            precondition(Int(entry.offset) + Int(entry.length) <= stored.count)
            return body(UnsafeRawBufferPointer(rebasing: stored[Int(entry.offset)..<Int(entry.offset) + Int(entry.length)]))
        }
    }

    /// The hash a lookup uses (`KeyHash`).
    @inline(__always)
    static func hash(_ bytes: UnsafeRawBufferPointer) -> UInt64 { KeyHash.of(bytes) }
}
