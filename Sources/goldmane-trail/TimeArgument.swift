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
