import Foundation

/// Unix seconds as UTC text, without a calendar or a locale (so it is the same everywhere).
package enum UTCTime {
    /// The first second of the year 10000: no time the archive holds is at or past it.
    package static let maxSupported: Int64 = 253_402_300_800

    /// `2026-11-27` for a day number (days since 1970-01-01).
    package static func date(day: Int64) -> String {
        let (year, month, dayOfMonth) = civil(day: day)
        let digits = String(year)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + "\(digits)-\(pad(month))-\(pad(dayOfMonth))"
    }

    /// `2026-11-27T02:00:00Z`. A time outside years 1 to 9999 (only a damaged or hostile
    /// file holds one) is shown as its number of seconds, never trapping.
    package static func rfc3339(_ seconds: Int64) -> String {
        guard (-62_135_596_800...253_402_300_799).contains(seconds) else { return "\(seconds)s" }
        let day = floorDivide(seconds, 86_400)
        let second = seconds - day * 86_400
        return "\(date(day: day))T\(pad(second / 3600)):\(pad(second % 3600 / 60)):\(pad(second % 60))Z"
    }

    /// `20261127T020000Z`: sorts like the time it names, safe in file names.
    package static func compact(_ seconds: Int64) -> String {
        rfc3339(seconds).filter { $0 != "-" && $0 != ":" }
    }

    package static func floorDivide(_ value: Int64, _ divisor: Int64) -> Int64 {
        let quotient = value / divisor
        return (value % divisor != 0 && (value < 0) != (divisor < 0)) ? quotient - 1 : quotient
    }

    /// Proleptic Gregorian date of a day number (Howard Hinnant's `civil_from_days`).
    static func civil(day: Int64) -> (Int64, Int64, Int64) {
        let z = day + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let dayOfMonth = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, dayOfMonth)
    }

    private static func pad(_ value: Int64) -> String { value < 10 ? "0\(value)" : "\(value)" }
}

/// Where a segment lives in an archive: `<cluster>/<YYYY-MM-DD>/<cluster>-<start>-<end>.seg`,
/// so that names sort by time and a day is a directory.
package enum SegmentNaming {
    package static func relativePath(cluster: String, windowStart: Int64, windowEnd: Int64) -> String {
        let day = UTCTime.date(day: UTCTime.floorDivide(windowStart, 86_400))
        return "\(cluster)/\(day)/\(cluster)-\(UTCTime.compact(windowStart))-\(UTCTime.compact(windowEnd))\(SegmentLayout.sealedSuffix)"
    }

    /// The window end a capture segment's name carries (`...-20261127T021500Z[.N].seg`); nil
    /// for a name of another shape (a compacted day segment, a renamed file).
    package static func windowEnd(ofPath path: String) -> Int64? {
        guard let name = path.split(separator: "/").last, name.hasSuffix(SegmentLayout.sealedSuffix) else { return nil }
        var stem = name.dropLast(SegmentLayout.sealedSuffix.count)
        if let dot = stem.lastIndex(of: "."), stem[stem.index(after: dot)...].allSatisfy(\.isNumber) { stem = stem[..<dot] }
        guard let dash = stem.lastIndex(of: "-") else { return nil }
        let text = stem[stem.index(after: dash)...]
        guard text.count == 16 else { return nil }
        let chars = Array(text)
        let rfc = "\(String(chars[0..<4]))-\(String(chars[4..<6]))-\(String(chars[6..<8]))T\(String(chars[9..<11])):\(String(chars[11..<13])):\(String(chars[13..<15]))Z"
        return UTCTime.parse(rfc)
    }
}

/// Paths inside an archive that may be a directory or a remote URL (`s3://BUCKET/PREFIX`):
/// joined as text, since a path API would fold a URL's `//`.
package enum ArchivePath {
    package static func join(_ base: String, _ component: String) -> String {
        guard RemoteArchives.isRemote(base) else { return (base as NSString).appendingPathComponent(component) }
        return base.hasSuffix("/") ? base + component : base + "/" + component
    }
}

/// The version every file goldmane-trail writes records as its `tool`.
package enum TrailVersion {
    package static let current = "0.1.0"
}

extension UTCTime {
    /// Parses Unix seconds or RFC 3339 UTC (`2026-11-27T02:00:00Z`); nil when neither.
    package static func parse(_ text: String) -> Int64? {
        if let seconds = Int64(text) { return seconds }
        let parts = text.split(whereSeparator: { "-T:Z".contains($0) })
        guard text.hasSuffix("Z"), parts.count == 6, let year = Int64(parts[0]), let month = Int64(parts[1]), let day = Int64(parts[2]),
              let hour = Int64(parts[3]), let minute = Int64(parts[4]), let second = Int64(parts[5]),
              (1...12).contains(month), (1...31).contains(day), (0..<24).contains(hour), (0..<60).contains(minute), (0..<60).contains(second)
        else { return nil }
        return days(year: year, month: month, day: day) * 86_400 + hour * 3600 + minute * 60 + second
    }

    /// Day number of a civil date (Howard Hinnant's `days_from_civil`).
    static func days(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }
}
