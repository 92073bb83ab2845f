import Foundation

/// A one-line progress bar on standard error, for long transforms, loads and replays. Only
/// when standard error is a terminal (not `TERM=dumb`, not `GOLDMANE_TRAIL_PROGRESS=0`): logs
/// and CronJob output never see it. Redrawn at most ten times a second; `finish` clears it.
final class ProgressBar {
    private let label: String
    private let total: Int
    private var lastDraw = Date.distantPast
    private var drawn = false
    private static let width = 30

    /// nil when standard error is not a terminal.
    init?(label: String, total: Int = 0, environment: [String: String] = ProcessInfo.processInfo.environment) {
        guard isatty(STDERR_FILENO) == 1, environment["TERM"] != "dumb", environment["GOLDMANE_TRAIL_PROGRESS"] != "0" else { return nil }
        self.label = label
        self.total = total
    }

    /// `fraction` in [0, 1]; `done` counts items of `total` when there is one.
    func update(_ fraction: Double, done: Int? = nil) {
        let now = Date()
        guard now.timeIntervalSince(lastDraw) >= 0.1 || fraction >= 1 else { return }
        lastDraw = now
        let clamped = min(max(fraction, 0), 1)
        let filled = Int((clamped * Double(Self.width)).rounded(.down))
        let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: Self.width - filled)
        let count = done.map { total > 0 ? " \($0)/\(total)" : " \($0)" } ?? ""
        write("\r\u{1B}[K\(label) [\(bar)] \(Int((clamped * 100).rounded(.down)))%\(count)")
        drawn = true
    }

    func finish() {
        if drawn { write("\r\u{1B}[K") }
        drawn = false
    }

    private func write(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }
}
