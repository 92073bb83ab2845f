import Load
import TrailFormat
import TrailSupport

/// What a replay rebuilds and what it keeps, decided from the archive's segments and the
/// ledger before anything changes (no I/O: unit-tested on its own).
///
/// - Selected: every segment of the clusters asked for whose data touch the days asked for
///   (or, without data, whose window starts in them), but segments a present compacted day
///   segment replaces, and segments not loaded that also count in days the replay keeps or
///   does not rebuild (recording them would claim rows that are not there). None: exit 66.
///   Only the segments whose every day is rebuilt get their ledger rows rewritten.
/// - Missing: loaded segments of those clusters and days whose content the archive no
///   longer holds (nor a compacted segment that replaces them). The days they contributed
///   to are kept as loaded, and said.
/// - Refused (65): while some history predates days (migration 0009), anything but a full
///   replay of every cluster with every such segment present; other settings than the
///   ledger rows the replay keeps.
struct ReplayPlan {
    /// The segments folded.
    var selected: [ScannedSegment] = []
    /// The segments whose ledger rows the replay writes (those whose every day it rebuilds).
    var recorded: Set<String> = []
    var targets: [HistoryRebuild.Target] = []
    var dropLedger: Set<String> = []
    var warnings: [String] = []
    var rebuilt: [String] = []
    var kept: [String] = []
    var missing = 0

    init(job: ReplayJob, segments: [ScannedSegment], ledger: [Ledger.Entry], requested: RecordedSettings) throws(JobFailure) {
        let (firstDay, lastDay) = job.dayRange
        let asked = Set(job.clusters)
        let wanted = { (cluster: String) in asked.isEmpty || asked.contains(cluster) }
        let range = Self.describe(firstDay, lastDay)

        // History loaded before days were kept is all-time totals, some of several clusters
        // merged under '': only a replay of everything, with every such segment there, can
        // rebuild it without loss or a second count.
        let replacedByPresent = Set(segments.flatMap(\.replaces))
        let present = Set(segments.map(\.sha256)).union(replacedByPresent)
        let legacy = ledger.filter { !$0.byDay }
        if !legacy.isEmpty {
            let clusters = Set(legacy.map(\.cluster)).sorted().joined(separator: ", ")
            guard job.isWholeHistory && asked.isEmpty else {
                throw JobFailure(.dataError, "\(legacy.count) loaded segments of cluster \(clusters) were loaded before the tables kept history by day (migration 0009): that history cannot be replaced piecewise. Run one full `goldmane-trail replay --archive DIR` (no --from, --to or --cluster) first; nothing was replayed.")
            }
            let absent = legacy.filter { !present.contains($0.sha256) }
            guard absent.isEmpty else {
                throw JobFailure(.dataError, "\(absent.count) loaded segments are not in the archive \(job.archive), and they were loaded before the tables kept history by day (migration 0009), so their days cannot be kept apart: restore them, or check --archive; nothing was replayed.")
            }
        }

        let loadedHashes = Set(ledger.map(\.sha256))
        var candidates: [ScannedSegment] = []
        var seen: Set<String> = []
        for segment in segments where wanted(segment.header.cluster) && !replacedByPresent.contains(segment.sha256) {
            guard job.inRange(Self.days(of: segment)), seen.insert(segment.sha256).inserted else { continue }
            candidates.append(segment)
        }
        guard !candidates.isEmpty else {
            let which = asked.isEmpty ? "" : " of cluster \(asked.sorted().joined(separator: ", "))"
            throw JobFailure(.noInput, "no segment\(which) in \(job.archive) holds data of \(range): nothing replayed, the tables are unchanged (a volume that did not mount, or a wrong --archive, --from, --to or --cluster?)")
        }
        for cluster in asked.subtracting(candidates.map(\.header.cluster)).sorted() {
            warnings.append("no segment of cluster \(cluster) in \(job.archive) holds data of \(range): nothing of it replayed")
        }

        // Loaded segments no longer in the archive keep the days they contributed to.
        var clusters = Set(candidates.map(\.header.cluster))
        let missingEntries = ledger.filter { entry in
            guard clusters.contains(entry.cluster), !present.contains(entry.sha256) else { return false }
            if let days = entry.days { return job.inRange(days) }
            let day = DayRange.day(entry.windowStart)
            return job.inRange(day...day)
        }
        missing = missingEntries.count
        var keptDays: [String: Set<Int64>] = [:]
        for entry in missingEntries {
            guard let days = entry.days else { continue }
            for day in max(days.lowerBound, firstDay ?? .min)...min(days.upperBound, lastDay ?? .max) {
                keptDays[entry.cluster, default: []].insert(day)
            }
        }
        // A segment is rebuilt whole when every day it counts in is rebuilt. One that also
        // counts in a day the replay keeps (or outside the range) is folded for the days it
        // rebuilds when it is loaded (its ledger row stays as it is), and left out when it is
        // not loaded: recording it would claim rows of the kept days that are not there.
        let rebuiltWhole = { (segment: ScannedSegment) -> Bool in
            let days = Self.days(of: segment)
            return days.lowerBound >= (firstDay ?? .min) && days.upperBound <= (lastDay ?? .max)
                && !(keptDays[segment.header.cluster] ?? []).contains(where: days.contains)
        }
        for segment in candidates {
            if rebuiltWhole(segment) {
                selected.append(segment)
                recorded.insert(segment.sha256)
            } else if loadedHashes.contains(segment.sha256) || !segment.replaces.isEmpty && segment.replaces.allSatisfy(loadedHashes.contains) {
                selected.append(segment)
            } else {
                warnings.append("\(segment.path) is not loaded and holds data of days this replay keeps or does not rebuild: left out (run `etl` to load it, or replay all of its days)")
            }
        }
        guard !selected.isEmpty else {
            throw JobFailure(.noInput, "every segment of \(range) in \(job.archive) is one the replay must leave out (named above): nothing replayed, the tables are unchanged")
        }
        clusters = Set(selected.map(\.header.cluster))
        // The legacy rows of several clusters merged before clusters were kept: the full
        // replay of every cluster rebuilds them under their own names.
        if !legacy.isEmpty { clusters.insert("") }
        targets = clusters.sorted().map { HistoryRebuild.Target(cluster: $0, firstDay: firstDay, lastDay: lastDay, kept: (keptDays[$0] ?? []).sorted()) }

        // The ledger rows replaced: those of the segments rebuilt whole, and of the segments a
        // compacted one rebuilt whole replaces (when loaded part by part).
        dropLedger = recorded.union(selected.filter { recorded.contains($0.sha256) }.flatMap(\.replaces))
        let remaining = ledger.filter { !dropLedger.contains($0.sha256) }
        let others = Set(remaining.compactMap(\.settings)).subtracting([requested])
        if !others.isEmpty {
            throw JobFailure(.dataError, "this replay would keep \(remaining.count) loaded segments built with \(others.map(\.description).sorted().joined(separator: " and ")) beside rows rebuilt with \(requested.description), mixing two models of identity. Replay everything (no --from/--to/--cluster, every loaded segment in the archive) to change settings, or replay with the settings the tables were built with; nothing was replayed.")
        }

        for target in targets where target.cluster != "" {
            rebuilt.append("cluster \(target.cluster): \(range)")
        }
        for (cluster, days) in keptDays.sorted(by: { $0.key < $1.key }) {
            let count = missingEntries.filter { $0.cluster == cluster }.count
            let text = "kept \(days.count) day\(days.count == 1 ? "" : "s") of cluster \(cluster) as loaded (\(Self.list(days))): \(count) loaded segment\(count == 1 ? " is" : "s are") not in the archive (pruned, lost, or a wrong --archive); restore them to rebuild those days"
            kept.append(text)
            warnings.append(text)
        }
        let untouched = Set(ledger.map(\.cluster)).subtracting(clusters).filter(wanted)
        for cluster in untouched.sorted() where job.isWholeHistory {
            let count = ledger.filter { $0.cluster == cluster }.count
            let text = "kept cluster \(cluster) as loaded: its \(count) loaded segments are not in the archive"
            kept.append(text)
            warnings.append(text)
        }
    }

    /// The UTC days a segment counts in: its data's, or its window start's when it has none.
    static func days(of segment: ScannedSegment) -> ClosedRange<Int64> {
        if let days = segment.days { return days }
        let day = DayRange.day(segment.header.windowStart)
        return day...day
    }

    /// "every day", or the days from first to last.
    static func describe(_ first: Int64?, _ last: Int64?) -> String {
        switch (first, last) {
        case (nil, nil): "every day"
        case (let first?, let last?) where first == last: "UTC day \(DayRange.date(first))"
        default: "UTC days \(first.map(DayRange.date) ?? "(first)") to \(last.map(DayRange.date) ?? "(last)")"
        }
    }

    /// Days as dates, runs of consecutive days as ranges.
    static func list(_ days: Set<Int64>) -> String {
        var runs: [String] = []
        var start: Int64?
        var previous: Int64 = 0
        for day in days.sorted() {
            if start != nil, day == previous + 1 {
                previous = day
                continue
            }
            if let first = start { runs.append(first == previous ? DayRange.date(first) : "\(DayRange.date(first)) to \(DayRange.date(previous))") }
            start = day
            previous = day
        }
        if let first = start { runs.append(first == previous ? DayRange.date(first) : "\(DayRange.date(first)) to \(DayRange.date(previous))") }
        return runs.joined(separator: ", ")
    }
}
