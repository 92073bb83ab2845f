import Foundation
import ArgumentParser
import TrailFormat
import TrailSupport

/// A time option: RFC 3339 UTC (`2026-11-27T04:30:00Z`) or Unix seconds. Parsed once, by
/// argument-parser, which names the option and the bad value when it does not parse.
struct TimeArgument: ExpressibleByArgument, Sendable, CustomStringConvertible {
    let seconds: Int64

    init?(argument: String) {
        guard let seconds = UTCTime.parse(argument) else { return nil }
        self.seconds = seconds
    }

    var description: String { UTCTime.rfc3339(seconds) }

    static var now: Int64 { Int64(Date().timeIntervalSince1970) }
}

/// A duration option (`90m`, `24h`, `7d`, `900s`, or seconds): `TimeSpan`, parsed once.
struct DurationArgument: ExpressibleByArgument, Sendable, CustomStringConvertible {
    let span: TimeSpan
    var seconds: Int64 { span.seconds }

    init?(argument: String) {
        guard let span = TimeSpan(argument) else { return nil }
        self.span = span
    }

    /// For defaults written in the source (`"30m"`): a bad one is a bug.
    init(_ text: String) {
        span = TimeSpan(text)!
    }

    var description: String { span.description }
}
