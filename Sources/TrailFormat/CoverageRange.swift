/// A captured range or a gap of a loaded segment, as the ledger's `coverage` table keeps it.
public struct CoverageRange: Sendable, Equatable {
    public var cluster: String
    public var start: Int64
    public var end: Int64
    public var captured: Bool
    public var reason: String

    public init(cluster: String, start: Int64, end: Int64, captured: Bool, reason: String) {
        self.cluster = cluster
        self.start = start
        self.end = end
        self.captured = captured
        self.reason = reason
    }
}
