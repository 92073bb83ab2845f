import Load
import TrailFormat
import TrailSupport

/// What a replay rebuilds and what it keeps, decided from the archive's segments and the
/// ledger before anything changes (no I/O: unit-tested on its own).
///
/// - Selected: every segment of the clusters asked for whose data touch the days asked for
///   (or, without data, whose window starts in them), but segments a present compacted day
///   segment replaces. None: exit 66.
/// - Missing: loaded segments of those clusters and days whose content the archive no
///   longer holds (nor a compacted segment that replaces them). The days they contributed
///   to are kept as loaded, and said.
/// - Refused (65): a range replay while some of the clusters' history predates days
///   (migration 0009); missing segments from before days (their history cannot be kept
///   piecewise); other settings than the ledger rows the replay keeps.
struct ReplayPlan {
    var selected: [ScannedSegment] = []
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
        let replacedByPresent = Set(segments.flatMap(\.replaces))
        var seen: Set<String> = []
        for segment in segments where wanted(segment.header.cluster) && !replacedByPresent.contains(segment.sha256) {
            let touches: Bool
            if let days = segment.days {
                touches = job.inRange(days)
            } else {
                let day = DayRange.day(segment.header.windowStart)
                touches = job.inRange(day...day)
            }
            guard touches, seen.insert(segment.sha256).inserted else { continue }
            selected.append(segment)
        }
        let range = Self.describe(firstDay, lastDay)
        guard !selected.isEmpty else {
            let which = asked.isEmpty ? "" : " of cluster \(asked.sorted().joined(separator: ", "))"
            throw JobFailure(.noInput, "no segment\(which) in \(job.archive) holds data of \(range): nothing replayed, the tables are unchanged (a volume that did not mount, or a wrong --archive, --from, --to or --cluster?)")
        }

        var clusters = Set(selected.map(\.header.cluster))
        let present = Set(segments.map(\.sha256)).union(replacedByPresent)
        let relevant = ledger.filter { entry in
            guard clusters.contains(entry.cluster) else { return false }
            if let days = entry.days { return job.inRange(days) }
            let day = DayRange.day(entry.windowStart)
            return job.inRange(day...day)
        }
        let legacy = ledger.filter { !$0.byDay && clusters.contains($0.cluster) }
        if !legacy.isEmpty && !job.isWholeHistory {
            throw JobFailure(.dataError, "\(legacy.count) loaded segments of cluster \(Set(legacy.map(\.cluster)).sorted().joined(separator: ", ")) were loaded before the tables kept history by day (migration 0009): their history cannot be replaced piecewise. Run one full `goldmane-trail replay --archive DIR` (no --from/--to) first; nothing was replayed.")
        }
        let missingEntries = relevant.filter { !present.contains($0.sha256) }
        missing = missingEntries.count
        if missingEntries.contains(where: { !$0.byDay }) {
            throw JobFailure(.dataError, "\(missing) loaded segments are not in the archive \(job.archive), and some were loaded before the tables kept history by day (migration 0009), so their days cannot be kept apart: restore them, or check --archive; nothing was replayed.")
        }
        var keptDays: [String: Set<Int64>] = [:]
        for entry in missingEntries {
            guard let days = entry.days else { continue }
            for day in max(days.lowerBound, firstDay ?? .min)...min(days.upperBound, lastDay ?? .max) {
                keptDays[entry.cluster, default: []].insert(day)
            }
        }
        // The legacy rows of several clusters merged before clusters were kept: a full
        // replay of every cluster rebuilds them under their own names.
        if !legacy.isEmpty && asked.isEmpty { clusters.insert("") }
        targets = clusters.sorted().map { HistoryRebuild.Target(cluster: $0, firstDay: firstDay, lastDay: lastDay, kept: (keptDays[$0] ?? []).sorted()) }

        // The ledger rows replaced: the selected segments', and those of the segments a
        // selected compacted segment replaces (when loaded part by part).
        dropLedger = Set(selected.map(\.sha256)).union(selected.flatMap(\.replaces))
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
