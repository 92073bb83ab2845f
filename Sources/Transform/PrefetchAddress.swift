import CLinux

/// Where an array's elements are, kept as a number for prefetch hints only: never
/// dereferenced (a prefetch never faults, so an address gone stale when the array grew is
/// harmless). Reading it costs nothing, where `withUnsafeBufferPointer` on a class's array
/// retains and releases the array's storage on every call.
struct PrefetchAddress {
    private var address: UInt = 0
    private var capacity = -1

    /// Takes `array`'s address again when its storage may have moved (its capacity changed).
    @inline(__always)
    mutating func follow<Element>(_ array: [Element]) {
        guard array.capacity != capacity else { return }
        capacity = array.capacity
        address = array.withUnsafeBufferPointer { UInt(bitPattern: $0.baseAddress) }
    }

    /// Asks the cache for element `index` (of `Element`'s stride).
    @inline(__always)
    func prefetch<Element>(_ index: Int, of _: Element.Type) {
        trail_prefetch(address &+ UInt(bitPattern: index &* MemoryLayout<Element>.stride))
    }
}
