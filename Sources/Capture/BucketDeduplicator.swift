/// Drops second copies of an item (same FlowKey bytes and bucket start), as a replay after a
/// reconnect or Goldmane's registration race can send. Remembers only the buckets still
/// being received; memory follows the keys of a bucket, not the stream's length.
struct BucketDeduplicator {
    private var seen: [Int64: Set<[UInt8]>] = [:]

    /// True the first time (key, bucket) is offered.
    mutating func admit(key: [UInt8], bucket: Int64) -> Bool {
        seen[bucket, default: []].insert(key).inserted
    }

    /// Forgets buckets before `bucket` (they are complete and written).
    mutating func forget(before bucket: Int64) {
        for old in seen.keys where old < bucket { seen[old] = nil }
    }
}
