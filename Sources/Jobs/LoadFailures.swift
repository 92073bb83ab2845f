import Foundation
import Load
import TrailDatabase

/// etl's use of the ledger's `load_failures`: one bad segment is visible (to `health`, to an
/// operator) without blocking the rest. Failures of segments no longer in the archive are
/// forgotten; a segment that loads loses its row. Failing to record is a warning, never a stop.
struct LoadFailures {
    let ledger: Ledger

    init(ledger: Ledger, archiveNames: Set<String>) {
        self.ledger = ledger
        try? ledger.forgetFailures(notIn: archiveNames)
    }

    /// Records the failure; a failure to record it becomes a warning for `warn`.
    func record(_ path: String, _ reason: String, warn: (String) -> Void) {
        let name = (path as NSString).lastPathComponent
        do { try ledger.recordFailure(name, reason: reason) } catch {
            warn("cannot record the failure of \(name) in load_failures: \(error.description)")
        }
    }

    func clear(_ path: String) {
        try? ledger.clearFailure((path as NSString).lastPathComponent)
    }
}
