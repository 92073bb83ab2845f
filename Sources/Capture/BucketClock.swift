/// Goldmane's time grid: 15-second buckets aligned to multiples of 15 Unix seconds. A bucket
/// [t, t+15) is streamed at the rollover t+30, so a window's last bucket can be read once the
/// clock passes its end plus one bucket (plus a grace period).
package enum BucketClock {
    package static let bucketSeconds: Int64 = 15
    /// How far back Goldmane's ring holds buckets (240 of them).
    package static let ringSeconds: Int64 = 3_600

    /// The start of the bucket holding `time`.
    package static func bucketStart(containing time: Int64) -> Int64 {
        time - ((time % bucketSeconds) + bucketSeconds) % bucketSeconds
    }

    /// When the bucket starting at `start` has been streamed: its rollover (start + 30).
    package static func streamedAt(bucketStart start: Int64) -> Int64 {
        start + 2 * bucketSeconds
    }
}
