/// Goldmane's time grid: 15-second buckets aligned to multiples of 15 Unix seconds. A bucket
/// [t, t+15) is streamed at the rollover t+30, so a window's last bucket can be read once the
/// clock passes its end plus one bucket (plus a grace period).
public enum BucketClock {
    public static let bucketSeconds: Int64 = 15
    /// How far back Goldmane's ring holds buckets (240 of them).
    public static let ringSeconds: Int64 = 3_600

    /// The start of the bucket holding `time`.
    public static func bucketStart(containing time: Int64) -> Int64 {
        time - ((time % bucketSeconds) + bucketSeconds) % bucketSeconds
    }

    /// When the bucket starting at `start` has been streamed: its rollover (start + 30).
    public static func streamedAt(bucketStart start: Int64) -> Int64 {
        start + 2 * bucketSeconds
    }
}
