import ArgumentParser
import TrailFormat

/// A time option (RFC 3339 UTC or Unix seconds), checked in `validate()`.
enum TimeArgument {
    static func parse(_ text: String?, option: String) throws -> Int64? {
        guard let text else { return nil }
        guard let seconds = UTCTime.parse(text) else { throw ValidationError("\(option): \(text) is not RFC 3339 UTC or Unix seconds") }
        return seconds
    }
}

/// A duration option: `900s`, `15m`, `24h`, `7d`, or plain seconds.
enum DurationArgument {
    static func seconds(_ text: String) -> Int64? {
        let units: [Character: Int64] = ["s": 1, "m": 60, "h": 3600, "d": 86_400]
        let value: Int64?
        if let unit = text.last, let multiplier = units[unit] { value = Int64(text.dropLast()).map { $0 * multiplier } } else { value = Int64(text) }
        guard let value, value > 0 else { return nil }
        return value
    }

    static func parse(_ text: String, option: String) throws -> Int64 {
        guard let seconds = seconds(text) else { throw ValidationError("\(option) \(text): expected a duration such as 90m, 24h or 7d") }
        return seconds
    }
}
