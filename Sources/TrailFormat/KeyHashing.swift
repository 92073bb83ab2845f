import Synchronization

/// Whether the threads that parse a fold's frames also hash each record's FlowKey
/// (`DecodedFrame.keyHashes`), which lets the fold look its key table up a few records ahead
/// (`SegmentCursor.prefetchAhead`). Worth it only once the table is larger than the cache:
/// at low cardinality the parsing thread is the slower of the two, and the fold hashes its
/// few keys itself. The fold turns it on; the parsing threads read it (a hint: a frame parsed
/// just before or after the change is hashed either way, and the hash is the same).
package final class KeyHashing: Sendable {
    private let on = Atomic<Bool>(false)

    package init() {}

    package var isOn: Bool { on.load(ordering: .relaxed) }

    package func turnOn() { on.store(true, ordering: .relaxed) }
}
