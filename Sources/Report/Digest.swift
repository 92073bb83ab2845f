import TrailFormat

/// The daily digest: the edges first seen in a window, and how much of the window the data
/// covers. Built from the database alone, so the same database and window give the same digest.
package struct Digest: Sendable, Equatable {
    package var windowStart: Int64
    package var windowEnd: Int64
    /// Denies first, then allows, each by first seen.
    package var edges: [EdgeRow]
    package var coverage: WindowCoverage
    /// Staged policies that would change the verdict of flows observed in the UTC days the
    /// window touches.
    package var staged: [StagedPolicyImpact]

    package init(windowStart: Int64, windowEnd: Int64, edges: [EdgeRow], coverage: WindowCoverage, staged: [StagedPolicyImpact] = []) {
        self.windowStart = windowStart
        self.windowEnd = windowEnd
        self.edges = edges.sorted(by: EdgeRow.digestOrder)
        self.coverage = coverage
        self.staged = staged
    }

    /// Reads the edges first seen in `(at - window, at]` and the window's coverage.
    package static func build(store: ReportStore, at: Int64, window: Int64) throws(ReportError) -> Digest {
        guard window > 0 else { throw ReportError(.badArgument, "the digest window must be longer than zero") }
        let start = at - window
        let edges = try store.edgesFirstSeen(after: start, upTo: at)
        let coverage = WindowCoverage(start: start, end: at, clusters: try store.clusters(), ranges: try store.coverage(from: start, to: at))
        // The projection counts per UTC day: the staged line covers the days the window touches.
        let days = PolicyCheck.days(from: start, to: at)
        let staged = try store.hasPolicyProjection()
            ? StagedPolicyImpact.build(try store.policyObservations(from: days.from, to: days.to, pending: true)) : []
        return Digest(windowStart: start, windowEnd: at, edges: edges, coverage: coverage, staged: staged)
    }

    /// Nothing to post: no new edge, and no staged policy that would change a verdict.
    package var isEmpty: Bool { edges.isEmpty && staged.isEmpty }
    package var denied: [EdgeRow] { edges.filter { $0.action == .deny } }
    package var others: [EdgeRow] { edges.filter { $0.action != .deny } }

    /// "8 new edges in last 24h".
    package var headline: String {
        "\(edges.count) new edge\(edges.count == 1 ? "" : "s") in last \(WindowCoverage.duration(windowEnd - windowStart))"
    }
}
