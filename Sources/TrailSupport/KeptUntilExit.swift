import Synchronization

/// What a one-shot command keeps until the process exits instead of freeing it: a transform's
/// batch and fold at a million keys are millions of Strings and arrays, which take tens of
/// milliseconds to free one by one (3% of that transform) and no time to drop at exit. Only for
/// a command's last results: a library caller (a test, a long-lived process) frees as usual.
package enum KeptUntilExit {
    /// Never read: holding the values is the point.
    private final class Held: @unchecked Sendable {
        let value: Any
        init(_ value: Any) { self.value = value }
    }

    private static let kept = Mutex<[Held]>([])

    package static func keep(_ value: Any) {
        let held = Held(value)
        kept.withLock { $0.append(held) }
    }
}
