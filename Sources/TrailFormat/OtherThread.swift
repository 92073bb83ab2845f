import Foundation

/// A computation run on a thread of its own while the caller goes on; `result()` waits for
/// it. For two parts of one job that share nothing they write (the caller must not touch what
/// `body` reads and writes until `result()` returns: the semaphore orders the two threads'
/// accesses, which is why the box is `@unchecked Sendable`).
package final class OtherThread<Value>: @unchecked Sendable {
    private var value: Value?
    private let done = DispatchSemaphore(value: 0)

    package init(_ body: @escaping () -> Value) {
        let box = UncheckedBox(body)
        DispatchQueue.global().async { [self] in
            value = box.value()
            done.signal()
        }
    }

    /// Waits for the computation and returns its value (once).
    package func result() -> Value {
        done.wait()
        defer { value = nil }
        return value!
    }
}

/// Carries a non-Sendable value to another thread whose use of it the caller orders.
package struct UncheckedBox<Wrapped>: @unchecked Sendable {
    package let value: Wrapped
    package init(_ value: Wrapped) { self.value = value }
}

/// Byte pieces handed from one thread to another in order, at most `depth` waiting: the
/// producer's `put` waits while the consumer is that far behind.
package final class PieceQueue: @unchecked Sendable {
    private var pieces: [[UInt8]] = []
    private let lock = NSLock()
    private let free: DispatchSemaphore
    private let ready = DispatchSemaphore(value: 0)

    package init(depth: Int) { free = DispatchSemaphore(value: depth) }

    package func put(_ piece: [UInt8]) {
        free.wait()
        lock.withLock { pieces.append(piece) }
        ready.signal()
    }

    /// No more pieces: one more signal than there were pieces, which `take` meets with none left.
    package func close() {
        ready.signal()
    }

    /// The next piece, or nil once the producer has closed the queue and every piece is taken
    /// (every `put` comes before `close`, so an empty queue after a signal is the close).
    package func take() -> [UInt8]? {
        ready.wait()
        let piece: [UInt8]? = lock.withLock { pieces.isEmpty ? nil : pieces.removeFirst() }
        if piece != nil { free.signal() }
        return piece
    }
}
