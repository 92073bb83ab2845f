import Foundation

/// Named points inside a load where a crash test can stop the process (test use only).
/// With `GOLDMANE_TRAIL_PAUSE_AT=<point>` and `GOLDMANE_TRAIL_PAUSE_FILE=<path>`, the job
/// creates the file on reaching the point and waits until it is deleted: the test then
/// kills the job (SIGKILL) or the server at a known place.
package enum PausePoint: String, Sendable {
    case locked, staged, merged, beforeCommit = "before-commit", replayBuilt = "replay-built"

    package func reach(_ environment: [String: String] = ProcessInfo.processInfo.environment) {
        guard environment["GOLDMANE_TRAIL_PAUSE_AT"] == rawValue, let file = environment["GOLDMANE_TRAIL_PAUSE_FILE"] else { return }
        _ = FileManager.default.createFile(atPath: file, contents: Data(rawValue.utf8))
        while FileManager.default.fileExists(atPath: file) { Thread.sleep(forTimeInterval: 0.05) }
    }
}
