import TrailFormat

/// What one read of the stream has shown: how much it received and added, and how far
/// Goldmane's replay is proven to have gone. The settle decisions (`WindowSettlement`) read
/// only this, never the clock or the connection.
struct ReadEvidence: Equatable, Sendable {
    /// Items of any kind received.
    var received = 0
    /// Items the window did not hold yet.
    var added = 0
    /// Whether an item of a bucket streamed before the read began arrived (a replayed item).
    var replayed = false
    /// When the read began, and when its latest item arrived (Unix seconds, fractional).
    var startedAt: Double = 0
    var lastItemAt: Double = 0
    /// Every bucket before this one was offered whole by the read (see `WindowCollector.note`).
    var reached: Int64? = nil
    /// The earliest bucket of a plausible item received.
    var earliest: Int64? = nil
    /// The window's buckets this read added items to.
    var addedBuckets: Set<Int64> = []
    /// The window's buckets this read received items of (copies included).
    var receivedBuckets: Set<Int64> = []
    var lastReceivedBucket: Int64? = nil
}

/// A FlowKey's id as last seen, and the bucket it was seen in.
package struct KnownId: Equatable, Sendable {
    package var id: Int64
    package var start: Int64
    package init(id: Int64, start: Int64) {
        self.id = id
        self.start = start
    }
}

/// Proof that Goldmane restarted: one FlowKey with two ids less than an hour apart.
struct RestartEvidence: Equatable, Sendable {
    var knownBucket: Int64
    var knownId: Int64
    var bucket: Int64
    var id: Int64

    var detail: String {
        "a flow key seen with id \(knownId) in bucket \(UTCTime.rfc3339(knownBucket)) came back with id \(id) in bucket \(UTCTime.rfc3339(bucket)), less than the ring's hour later: Goldmane restarted (or was replaced) in between"
    }
}
