import Foundation

/// The time capture's decisions read, and its waits: the wall clock in a run, a fake one in
/// the unit tests (`WindowCaptureTests`), so that every retry and settle path runs in
/// milliseconds and in a fixed order.
protocol CaptureClock: Sendable {
    /// Unix seconds.
    var now: Double { get }
    /// Sleeps `seconds`; returns the signal's name if a stop came first.
    func sleep(seconds: Double, stop: StopRequest) async -> String?
}

/// The wall clock, and sleeps a stop cuts short.
struct SystemClock: CaptureClock {
    var now: Double { Date().timeIntervalSince1970 }

    func sleep(seconds delay: Double, stop: StopRequest) async -> String? {
        let signal: String? = await withTaskGroup(of: String?.self) { group in
            group.addTask {
                try? await Task.sleep(for: .seconds(delay))
                return nil
            }
            group.addTask {
                let signal = await stop.wait()
                return signal.isEmpty ? nil : signal
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
        return signal ?? stop.requested
    }
}
