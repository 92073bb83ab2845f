/// What `WindowCapture` drives: one read of Goldmane's stream at a time, and what the reads
/// showed (the collector's evidence). `StreamReads` is the real one (a connection and a
/// collector); the unit tests script one.
protocol WindowReads: Sendable {
    /// Runs one `Flows.Stream` call from `start` until `goal` ends it.
    func read(from start: Int64, goal: StreamRead.Goal) async -> StreamRead.End
    /// What the last read showed.
    var progress: ReadEvidence { get }
    /// The proof of a Goldmane restart, once one was seen.
    var restart: RestartEvidence? { get }
    /// The buckets capture holds items of.
    var heldBuckets: Set<Int64> { get }
    /// The stop the signal handler sets.
    var stop: StopRequest { get }
}

/// The real reads: `StreamRead` over one connection, evidence from its collector.
struct StreamReads: WindowReads {
    let stream: StreamRead
    let collector: WindowCollector

    func read(from start: Int64, goal: StreamRead.Goal) async -> StreamRead.End { await stream.run(from: start, goal: goal) }
    var progress: ReadEvidence { collector.readProgress }
    var restart: RestartEvidence? { collector.restart }
    var heldBuckets: Set<Int64> { collector.heldBuckets }
    var stop: StopRequest { stream.stop }
}
