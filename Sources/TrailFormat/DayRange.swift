/// UTC days as the tables keep history: an item counts in the day of its bucket start, so
/// data spanning `[start, end)` (bucket starts and ends) touch the days from `start`'s to
/// that of the last bucket's start, `end - 1`.
package enum DayRange {
    package static let secondsPerDay: Int64 = 86_400

    /// The day (days since 1970-01-01) of a time.
    package static func day(_ seconds: Int64) -> Int64 { UTCTime.floorDivide(seconds, secondsPerDay) }

    /// The days data spanning `[dataStart, dataEnd)` count in; nil without data.
    package static func days(dataStart: Int64?, dataEnd: Int64?) -> ClosedRange<Int64>? {
        guard let dataStart, let dataEnd, dataEnd > dataStart else { return nil }
        return day(dataStart)...day(dataEnd - 1)
    }

    /// `YYYY-MM-DD` of a day.
    package static func date(_ day: Int64) -> String { UTCTime.date(day: day) }
}
