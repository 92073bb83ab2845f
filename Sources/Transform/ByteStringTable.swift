#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Interns byte strings (FlowKey wire bytes, label values): maps each distinct one to a dense
/// id, without allocating or reference counting on a hit. Open addressing with linear
/// probing over one byte arena; memory grows with the number of distinct strings only.
final class ByteStringTable {
    private struct Entry {
        var offset: Int
        var length: Int
        var hash: UInt64
    }

    private var arena: UnsafeMutableRawPointer
    private var arenaUsed = 0
    private var arenaCapacity: Int
    private var entries: UnsafeMutablePointer<Entry>
    private var entryCapacity: Int
    private(set) var count = 0
    private var slots: UnsafeMutablePointer<Int32>
    private var mask: Int

    init(capacity: Int = 1 << 12) {
        var size = 16
        while size < capacity * 2 { size <<= 1 }
        mask = size - 1
        slots = .allocate(capacity: size)
        slots.initialize(repeating: -1, count: size)
        entryCapacity = size / 2
        entries = .allocate(capacity: entryCapacity)
        arenaCapacity = capacity * 64
        arena = .allocate(byteCount: arenaCapacity, alignment: 8)
    }

    deinit {
        slots.deallocate()
        entries.deallocate()
        arena.deallocate()
    }

    /// The id of `bytes`, inserting it when new.
    @inline(__always)
    func id(of bytes: UnsafeRawBufferPointer) -> (id: Int32, isNew: Bool) {
        let hash = Self.hash(bytes)
        var slot = Int(truncatingIfNeeded: hash) & mask
        while true {
            let id = Int(slots[slot])
            if id < 0 { break }
            let entry = entries[id]
            if entry.hash == hash && entry.length == bytes.count
                && (bytes.count == 0 || memcmp(arena + entry.offset, bytes.baseAddress!, bytes.count) == 0) {
                return (Int32(id), false)
            }
            slot = (slot + 1) & mask
        }
        return (insert(bytes, hash: hash, slot: slot), true)
    }

    private func insert(_ bytes: UnsafeRawBufferPointer, hash: UInt64, slot: Int) -> Int32 {
        if arenaUsed + bytes.count > arenaCapacity {
            var capacity = arenaCapacity * 2
            while arenaUsed + bytes.count > capacity { capacity *= 2 }
            let grown = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 8)
            grown.copyMemory(from: arena, byteCount: arenaUsed)
            arena.deallocate()
            arena = grown
            arenaCapacity = capacity
        }
        if bytes.count > 0 { (arena + arenaUsed).copyMemory(from: bytes.baseAddress!, byteCount: bytes.count) }
        let id = count
        entries[id] = Entry(offset: arenaUsed, length: bytes.count, hash: hash)
        arenaUsed += bytes.count
        count += 1
        slots[slot] = Int32(id)
        if count * 2 > mask + 1 { grow() }
        return Int32(id)
    }

    private func grow() {
        let size = (mask + 1) * 2
        slots.deallocate()
        slots = .allocate(capacity: size)
        slots.initialize(repeating: -1, count: size)
        mask = size - 1
        let grownEntries = UnsafeMutablePointer<Entry>.allocate(capacity: size / 2)
        grownEntries.update(from: entries, count: count)
        entries.deallocate()
        entries = grownEntries
        entryCapacity = size / 2
        for id in 0..<count {
            var slot = Int(truncatingIfNeeded: entries[id].hash) & mask
            while slots[slot] >= 0 { slot = (slot + 1) & mask }
            slots[slot] = Int32(id)
        }
    }

    /// A fast 64-bit hash, 8 bytes at a time (the order of ids never reaches the output).
    @inline(__always)
    static func hash(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        var hash: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(bytes.count)
        var index = 0
        while index + 8 <= bytes.count {
            let word = bytes.loadUnaligned(fromByteOffset: index, as: UInt64.self)
            hash = (hash ^ word) &* 0xBF58_476D_1CE4_E5B9
            hash ^= hash >> 31
            index += 8
        }
        var tail: UInt64 = 0
        var shift: UInt64 = 0
        while index < bytes.count {
            tail |= UInt64(bytes[index]) << shift
            shift += 8
            index += 1
        }
        hash = (hash ^ tail) &* 0x94D0_49BB_1331_11EB
        return hash ^ (hash >> 29)
    }
}
