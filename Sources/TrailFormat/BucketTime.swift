/// Whether an item's bucket times are sane: the one rule capture, verify, transform and load
/// share. Item times come off the wire and are data, never control: a time outside this
/// range is counted and left out, never used in arithmetic that could trap, and never
/// allowed to reach PostgreSQL (whose `timestamptz` ends in 294276 AD) or a freshness check.
package enum BucketTime {
    /// Goldmane's bucket length; every bucket start is a multiple of it.
    package static let bucketSeconds: Int64 = 15
    /// 2020-01-01T00:00:00Z: Goldmane did not exist before (Calico 3.30 is from 2025).
    package static let earliest: Int64 = 1_577_836_800
    /// 9999-12-31T23:59:59Z: far inside what PostgreSQL and RFC 3339 text can hold.
    package static let latest: Int64 = 253_402_300_799
    /// How far past its segment's window an item may start (a day: clock skew, a late replay).
    package static let slackPastWindow: Int64 = 86_400
    /// The longest an item's [start, end) may be (Goldmane's are one bucket; aggregated
    /// outputs reach an hour).
    package static let maxSpan: Int64 = 3_600

    package enum Problem: String, Sendable, CaseIterable {
        /// The start is not a multiple of 15 s.
        case unaligned
        /// Before 2020, zero or negative.
        case tooEarly = "too_early"
        /// More than a day past the segment's window, or past what the database can hold.
        case tooLate = "too_late"
        /// The end is not after the start, or more than an hour after it.
        case badSpan = "bad_span"
    }

    /// The problem with an item whose bucket is [start, end) in a segment whose window ends at
    /// `windowEnd` (nil: no window to judge against), or nil when the times are sane.
    package static func check(start: Int64, end: Int64, windowEnd: Int64?) -> Problem? {
        guard start >= earliest else { return .tooEarly }
        guard start <= latest else { return .tooLate }
        if let windowEnd, windowEnd <= latest, start > windowEnd + slackPastWindow { return .tooLate }
        guard start % bucketSeconds == 0 else { return .unaligned }
        guard end > start, end <= latest, end - start <= maxSpan else { return .badSpan }
        return nil
    }
}
