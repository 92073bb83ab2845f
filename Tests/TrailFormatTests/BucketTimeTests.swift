import Testing
import TrailFormat

/// Item times are data: the sanity rule and the text of any time, however absurd.
@Suite struct BucketTimeTests {
    let windowEnd: Int64 = 1_795_745_700

    @Test(arguments: [
        (Int64(1_795_744_800), Int64(1_795_744_815), nil as BucketTime.Problem?),
        (1_795_744_807, 1_795_744_822, .unaligned),
        (0, 15, .tooEarly),
        (-15, 0, .tooEarly),
        (Int64.min, Int64.min + 15, .tooEarly),
        (Int64.max - 15, Int64.max, .tooLate),
        (253_402_300_785, 253_402_300_800, .tooLate),  // the year 9999, far past the window
        (1_795_745_700 + 86_400 + 15, 1_795_745_700 + 86_430, .tooLate),
        (1_795_744_800, 1_795_744_800, .badSpan),
        (1_795_744_800, 1_795_744_785, .badSpan),
        (1_795_744_800, Int64.max, .badSpan),
    ])
    func theRule(start: Int64, end: Int64, problem: BucketTime.Problem?) {
        #expect(BucketTime.check(start: start, end: end, windowEnd: windowEnd) == problem)
    }

    @Test func anyTimeHasTextWithoutTrapping() {
        #expect(UTCTime.rfc3339(1_795_744_800) == "2026-11-27T02:00:00Z")
        #expect(UTCTime.rfc3339(Int64.min) == "\(Int64.min)s")
        #expect(UTCTime.rfc3339(Int64.max) == "\(Int64.max)s")
        #expect(UTCTime.rfc3339(-62_135_596_800) == "0001-01-01T00:00:00Z")
        #expect(UTCTime.rfc3339(253_402_300_799) == "9999-12-31T23:59:59Z")
    }
}
