import Synchronization

/// What the signal handler sets: the name of the signal that asked the capture to stop.
/// Waiters are resumed when it is set (or when their task is cancelled): no polling.
package final class StopRequest: Sendable {
    private struct State {
        var signal: String? = nil
        var waiters: [Int: CheckedContinuation<String, Never>] = [:]
        var nextWaiter = 0
    }

    private let state = Mutex(State())

    package init() {}

    package var requested: String? { state.withLock { $0.signal } }

    package func request(_ name: String) {
        let waiters = state.withLock { state -> [CheckedContinuation<String, Never>] in
            guard state.signal == nil else { return [] }
            state.signal = name
            defer { state.waiters = [:] }
            return Array(state.waiters.values)
        }
        for waiter in waiters { waiter.resume(returning: name) }
    }

    /// Returns the signal's name once a stop is requested, or "" when the task is cancelled first.
    func wait() async -> String {
        let id = state.withLock { state -> Int in
            state.nextWaiter += 1
            return state.nextWaiter
        }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let resumeNow: String? = state.withLock { state in
                    if let signal = state.signal { return signal }
                    if Task.isCancelled { return "" }
                    state.waiters[id] = continuation
                    return nil
                }
                if let resumeNow { continuation.resume(returning: resumeNow) }
            }
        } onCancel: {
            let waiter = state.withLock { $0.waiters.removeValue(forKey: id) }
            waiter?.resume(returning: "")
        }
    }
}
