import Foundation
import Testing
import TrailFormat
import TrailSupport
import TrailTestSupport
import SampleGenerator
import Transform
@testable import Jobs
@testable import Load

/// What a replay rebuilds, keeps and refuses, decided before anything changes (no database):
/// a two-day archive (2026-11-27 22:00 to 2026-11-28 02:00) and ledgers made from it.
@Suite struct ReplayPlanTests {
    static let start: Int64 = 1_795_816_800  // 2026-11-27T22:00:00Z
    static let day1 = DayRange.day(start)
    static let settings = RecordedSettings(settings: TransformSettings().record, transformVersion: TransformVersion.current)

    static func archive() throws -> (TemporaryDirectory, [ScannedSegment]) {
        let directory = try TemporaryDirectory("replay-plan")
        _ = try SampleArchive(spec: .init(start: start, windows: 16, windowSeconds: 900, activity: 0.3)).write(to: directory.path)
        let scan = try ArchiveScan(directory: directory.path)
        return (directory, try scan.scan().segments)
    }

    static func ledger(_ segments: [ScannedSegment], byDay: Bool = true, settings: RecordedSettings? = settings) -> [Ledger.Entry] {
        segments.map {
            Ledger.Entry(sha256: $0.sha256, segment: $0.name, cluster: $0.header.cluster, windowStart: $0.header.windowStart,
                         dataStart: $0.footer.minStart, dataEnd: $0.footer.maxEnd, byDay: byDay, settings: settings, replaces: [])
        }
    }

    static func job(_ archive: String, from: Int64? = nil, to: Int64? = nil, clusters: [String] = []) -> ReplayJob {
        ReplayJob(archive: archive, settings: TransformSettings(), from: from, to: to, clusters: clusters)
    }

    @Test func aFullReplayOfACompleteArchiveRebuildsEveryDayAndKeepsNothing() throws {
        let (directory, segments) = try Self.archive()
        defer { directory.remove() }
        let plan = try ReplayPlan(job: Self.job(directory.path), segments: segments, ledger: Self.ledger(segments), requested: Self.settings)
        #expect(plan.selected.count == 16)
        #expect(plan.targets == [HistoryRebuild.Target(cluster: "homelab", firstDay: nil, lastDay: nil, kept: [])])
        #expect(plan.missing == 0 && plan.kept.isEmpty)
        #expect(plan.dropLedger == Set(segments.map(\.sha256)))
    }

    @Test func aRangeReplayRebuildsTheWholeDaysItTouches() throws {
        let (directory, segments) = try Self.archive()
        defer { directory.remove() }
        // 00:15 to 00:30 on day 2: all of day 2 (eight windows), nothing of day 1.
        let from = (Self.day1 + 1) * 86_400 + 900
        let plan = try ReplayPlan(job: Self.job(directory.path, from: from, to: from + 900), segments: segments,
                                  ledger: Self.ledger(segments), requested: Self.settings)
        #expect(plan.selected.count == 8)
        #expect(plan.selected.allSatisfy { $0.days == (Self.day1 + 1)...(Self.day1 + 1) })
        #expect(plan.targets == [HistoryRebuild.Target(cluster: "homelab", firstDay: Self.day1 + 1, lastDay: Self.day1 + 1, kept: [])])
        #expect(plan.rebuilt == ["cluster homelab: UTC day 2026-11-28"])
    }

    @Test func missingLoadedSegmentsKeepTheirDaysAndSaySo() throws {
        let (directory, segments) = try Self.archive()
        defer { directory.remove() }
        let present = Array(segments.dropFirst(3))  // three windows of day 1 gone
        let plan = try ReplayPlan(job: Self.job(directory.path), segments: present, ledger: Self.ledger(segments), requested: Self.settings)
        #expect(plan.missing == 3)
        #expect(plan.targets.first?.kept == [Self.day1])
        #expect(plan.warnings.contains { $0.contains("3 loaded segments are not in the archive") && $0.contains("2026-11-27") })
        // With other settings, keeping day 1 would mix two models: refused.
        let other = RecordedSettings(settings: TransformSettings(serviceIdentityNamespaces: ["x"]).record, transformVersion: TransformVersion.current)
        #expect(throws: JobFailure.self) {
            try ReplayPlan(job: Self.job(directory.path), segments: present, ledger: Self.ledger(segments), requested: other)
        }
        // A complete archive with other settings: everything is rebuilt, nothing kept, allowed.
        _ = try ReplayPlan(job: Self.job(directory.path), segments: segments, ledger: Self.ledger(segments), requested: other)
    }

    @Test func nothingToRebuildIsNoInput() throws {
        let (directory, segments) = try Self.archive()
        defer { directory.remove() }
        let far = Self.start + 400 * 86_400
        for job in [Self.job(directory.path, from: far, to: far + 86_400), Self.job(directory.path, clusters: ["elsewhere"])] {
            do {
                _ = try ReplayPlan(job: job, segments: segments, ledger: Self.ledger(segments), requested: Self.settings)
                Issue.record("a replay of nothing was planned")
            } catch {
                #expect(error.exitStatus == .noInput && error.description.contains("no segment"))
            }
        }
        do {
            _ = try ReplayPlan(job: Self.job(directory.path), segments: [], ledger: Self.ledger(segments), requested: Self.settings)
            Issue.record("a replay of an empty archive was planned")
        } catch {
            #expect(error.exitStatus == .noInput)
        }
    }

    @Test func historyFromBeforeDaysRefusesARangeReplayAndMissingSegments() throws {
        let (directory, segments) = try Self.archive()
        defer { directory.remove() }
        let legacy = Self.ledger(segments, byDay: false)
        do {
            _ = try ReplayPlan(job: Self.job(directory.path, from: Self.start, to: Self.start + 900), segments: segments, ledger: legacy,
                               requested: Self.settings)
            Issue.record("a range replay over history not split by day was planned")
        } catch {
            #expect(error.exitStatus == .dataError && error.description.contains("full"))
        }
        #expect(throws: JobFailure.self) {
            try ReplayPlan(job: Self.job(directory.path), segments: Array(segments.dropFirst()), ledger: legacy, requested: Self.settings)
        }
        // Nor one cluster: the merged rows of several clusters ('') hold the others too.
        #expect(throws: JobFailure.self) {
            try ReplayPlan(job: Self.job(directory.path, clusters: ["homelab"]), segments: segments, ledger: legacy, requested: Self.settings)
        }
        // A full replay with every segment splits it: the merged rows of several clusters ('') go too.
        let plan = try ReplayPlan(job: Self.job(directory.path), segments: segments, ledger: legacy, requested: Self.settings)
        #expect(plan.targets.map(\.cluster) == ["", "homelab"])
    }

    @Test func aSegmentNotLoadedThatCountsInAKeptDayIsLeftOutAndOneLoadedIsNotRecorded() throws {
        let (directory, segments) = try Self.archive()
        defer { directory.remove() }
        // Day 1's first segment is missing (loaded, then pruned); its second was never loaded.
        let ledger = Self.ledger(segments).filter { $0.sha256 != segments[1].sha256 }
        let plan = try ReplayPlan(job: Self.job(directory.path), segments: Array(segments.dropFirst()), ledger: ledger, requested: Self.settings)
        #expect(!plan.selected.contains(segments[1]))
        #expect(plan.warnings.contains { $0.contains(segments[1].name) && $0.contains("not loaded") })
        // Day 1's other segments are folded (for nothing: the day is kept) but not recorded.
        let dayOne = segments.dropFirst(2).prefix(6)
        #expect(dayOne.allSatisfy { plan.selected.contains($0) && !plan.recorded.contains($0.sha256) && !plan.dropLedger.contains($0.sha256) })
        // Day 2's are rebuilt whole.
        #expect(segments.suffix(8).allSatisfy { plan.recorded.contains($0.sha256) })
    }

    @Test func daysAreListedAsRuns() {
        #expect(ReplayPlan.list([Self.day1, Self.day1 + 1, Self.day1 + 2, Self.day1 + 5]) == "2026-11-27 to 2026-11-29, 2026-12-02")
    }
}
