/// A length of time in whole seconds, written the way the jobs' options and messages write
/// it: `900s`, `15m`, `24h`, `7d`, or plain seconds. The one parser and printer of durations.
package struct TimeSpan: Sendable, Hashable, Comparable, CustomStringConvertible {
    package let seconds: Int64

    package init(seconds: Int64) {
        self.seconds = seconds
    }

    /// Parses `90m`, `24h`, `7d`, `900s` or `900`; nil unless a positive whole number of seconds.
    package init?(_ text: String) {
        let units: [Character: Int64] = ["s": 1, "m": 60, "h": 3600, "d": 86_400]
        let number: Substring
        var multiplier: Int64 = 1
        if let unit = text.last, let size = units[unit] {
            number = text.dropLast()
            multiplier = size
        } else {
            number = Substring(text)
        }
        guard number.allSatisfy(\.isASCII), let value = Int64(number), value > 0 else { return nil }
        let (product, overflow) = value.multipliedReportingOverflow(by: multiplier)
        guard !overflow else { return nil }
        seconds = product
    }

    /// `2d3h`, `45m`, `1h30m`, `0s`: days only from two days up.
    package var description: String { Self.format(seconds) }

    package static func format(_ seconds: Int64) -> String {
        if seconds <= 0 { return "0s" }
        var parts: [String] = []
        var rest = seconds
        for (unit, size) in [("d", seconds >= 172_800 ? 86_400 : Int64.max), ("h", Int64(3600)), ("m", 60), ("s", 1)] where rest >= size {
            parts.append("\(rest / size)\(unit)")
            rest %= size
        }
        return parts.joined()
    }

    package static func < (lhs: TimeSpan, rhs: TimeSpan) -> Bool { lhs.seconds < rhs.seconds }
}
