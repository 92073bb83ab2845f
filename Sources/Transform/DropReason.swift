/// Why an item was left out of a projection. Every dropped item is counted under one.
package enum DropReason: String, CaseIterable, Sendable {
    // Out of every projection: edge, wide and policy.
    /// The record parsed but has no flow or no key, or its key does not parse.
    case malformed = "malformed"
    /// The bucket times are not sane (`BucketTime`): unaligned, before 2020, more than a day
    /// past the segment's window, past what PostgreSQL holds, or end not after start.
    case badBucketTime = "bad_bucket_time"
    /// A counter is negative or larger than `EdgeFold.maxCounter` (no 15-second bucket moves 2^40
    /// packets or bytes): totals could overflow, in the fold or in PostgreSQL.
    case badCounters = "bad_counters"
    /// Every counter is zero: a stale verdict re-exported without traffic (Calico #13608).
    case noTraffic = "no_traffic"

    // Out of `edge` only (kept in the wide projection).
    /// One end is not namespaced: a host endpoint, a global network set, or `pub`/`pvt`.
    case nonNamespacedEnd = "non_namespaced_end"
    /// A workload or network set end whose namespace is missing (`-` or empty).
    case namespacedTypeWithoutNamespace = "namespaced_type_without_namespace"
    /// An end whose endpoint type is unspecified or unknown to this build.
    case unknownEndpointType = "unknown_endpoint_type"
    /// Both ends in the same namespace: `edge` is about relationships between namespaces.
    case sameNamespace = "same_namespace"
}
