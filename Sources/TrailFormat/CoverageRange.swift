/// A captured range or a gap of a loaded segment, as the ledger's `coverage` table keeps it.
package struct CoverageRange: Sendable, Equatable {
    package var cluster: String
    package var start: Int64
    package var end: Int64
    package var captured: Bool
    package var reason: String

    package init(cluster: String, start: Int64, end: Int64, captured: Bool, reason: String) {
        self.cluster = cluster
        self.start = start
        self.end = end
        self.captured = captured
        self.reason = reason
    }
}
