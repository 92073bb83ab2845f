import TrailFormat

/// What changed between two windows of whole UTC days: namespace edges new in the second,
/// gone from it, and pairs whose verdicts changed. Uses `edge_wide.days`, so windows are days.
package struct WindowDiff: Sendable, Equatable, Encodable {
    package struct Window: Sendable, Equatable, Encodable {
        package var firstDay: String
        package var lastDay: String

        enum CodingKeys: String, CodingKey { case firstDay = "first_day", lastDay = "last_day" }

        /// `2026-11-27` or `2026-11-20/2026-11-26` (inclusive).
        package init(parsing text: String) throws(ReportError) {
            let parts = text.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
            guard (1...2).contains(parts.count), let first = Self.day(parts[0]), let last = Self.day(parts.last ?? "") else {
                throw ReportError(.badArgument, "\(text) is not a day (2026-11-27) or a range of days (2026-11-20/2026-11-26)")
            }
            guard first <= last else { throw ReportError(.badArgument, "\(text): the range ends before it starts") }
            firstDay = UTCTime.date(day: first)
            lastDay = UTCTime.date(day: last)
        }

        static func day(_ text: String) -> Int64? {
            guard text.utf8.count == 10, let seconds = UTCTime.parse(text + "T00:00:00Z") else { return nil }
            return seconds / 86_400
        }

        var label: String { firstDay == lastDay ? firstDay : "\(firstDay)/\(lastDay)" }
    }

    package struct Change: Sendable, Equatable, Encodable {
        package var source: String
        package var destination: String
        package var before: [String]
        package var after: [String]
    }

    package var from: Window
    package var to: Window
    package var new: [NamespacePair]
    package var gone: [NamespacePair]
    package var changed: [Change]

    package static func build(store: ReportStore, from: Window, to: Window) throws(ReportError) -> WindowDiff {
        let before = try store.pairsSeen(fromDay: from.firstDay, toDay: from.lastDay)
        let after = try store.pairsSeen(fromDay: to.firstDay, toDay: to.lastDay)
        return WindowDiff(from: from, to: to, before: before, after: after)
    }

    package init(from: Window, to: Window, before: [NamespacePair], after: [NamespacePair]) {
        self.from = from
        self.to = to
        struct Ends: Hashable, Comparable {
            var source: String, destination: String
            static func < (a: Ends, b: Ends) -> Bool { (a.source, a.destination) < (b.source, b.destination) }
        }
        func verdicts(_ pairs: [NamespacePair]) -> [Ends: [String]] {
            Dictionary(grouping: pairs, by: { Ends(source: $0.source, destination: $0.destination) }).mapValues { Set($0.map(\.action.rawValue)).sorted() }
        }
        let was = verdicts(before), now = verdicts(after)
        new = Set(after).subtracting(before).filter { was[Ends(source: $0.source, destination: $0.destination)] == nil }.sorted()
        gone = Set(before).subtracting(after).filter { now[Ends(source: $0.source, destination: $0.destination)] == nil }.sorted()
        changed = Set(was.keys).intersection(now.keys).filter { was[$0] != now[$0] }.sorted().map {
            Change(source: $0.source, destination: $0.destination, before: was[$0] ?? [], after: now[$0] ?? [])
        }
    }

    package func text() -> String {
        var out = ["Namespace edges seen \(from.label) against \(to.label): \(new.count) new, \(gone.count) gone, \(changed.count) changed verdicts"]
        func section(_ title: String, _ pairs: [NamespacePair]) {
            out.append("")
            out.append("\(title) (\(pairs.count)):")
            guard !pairs.isEmpty else { return out.append("  none") }
            var table = TextTable(headers: ["SOURCE", "DESTINATION", "ACTION"])
            for pair in pairs { table.add([TerminalText.visible(pair.source), TerminalText.visible(pair.destination), pair.action.rawValue]) }
            out.append(table.render())
        }
        section("New", new)
        section("Gone", gone)
        out.append("")
        out.append("Changed verdicts (\(changed.count)):")
        if changed.isEmpty { out.append("  none") }
        var table = TextTable(headers: ["SOURCE", "DESTINATION", "BEFORE", "AFTER"])
        for change in changed {
            table.add([TerminalText.visible(change.source), TerminalText.visible(change.destination), change.before.joined(separator: ","), change.after.joined(separator: ",")])
        }
        if !changed.isEmpty { out.append(table.render()) }
        return out.joined(separator: "\n") + "\n"
    }
}
