import Foundation
import SampleGenerator
import Testing
import TrailFormat
import TrailTestSupport
import Transform
@testable import Jobs

/// Replay folds every selected segment once, counting per group of overlapping segments the
/// rows its ledger rows carry: each group's counts must be what a fold of that group alone
/// gives, and the rows what one fold of everything gives.
@Suite struct GroupFoldTests {
    static let start: Int64 = 1_795_743_000  // 2026-11-27T01:30:00Z

    @Test func aFoldOfGroupsCountsEachGroupsRowsAsItsOwnFoldWouldAndFoldsTheRowsOnce() throws {
        let directory = try TemporaryDirectory("group-fold")
        defer { directory.remove() }
        // The same cluster captured twice over the same hour (15- and 30-minute windows, other
        // seeds: overlapping segments, one group per half hour), and a second cluster.
        _ = try SampleArchive(spec: .init(start: Self.start, windows: 4, windowSeconds: 900, seed: 1, activity: 0.3)).write(to: directory.path)
        _ = try SampleArchive(spec: .init(start: Self.start, windows: 2, windowSeconds: 1800, seed: 2, activity: 0.3)).write(to: directory.path)
        _ = try SampleArchive(spec: .init(cluster: "twin", start: Self.start, windows: 3, windowSeconds: 900, seed: 3, activity: 0.3))
            .write(to: directory.path)
        let segments = try ArchiveListing(directory: directory.path)!.sealed.map { try ScannedSegment(path: $0) }
        let groups = ReplayJob.overlapping(segments)
        #expect(segments.count == 9 && groups.count == 5 && groups.filter { $0.count == 3 }.count == 2)

        let joint = try TransformJob(groups: groups).run()
        #expect(joint.groupRows.count == groups.count)
        for (group, rows) in zip(groups, joint.groupRows) {
            let own = try TransformJob(segments: group).run().batch
            #expect(rows.edges == own.edges.count && rows.wide == own.wide.count, "\(group.map(\.name))")
        }
        let plain = try TransformJob(segments: segments).run().batch
        #expect(joint.batch == plain)
    }
}
