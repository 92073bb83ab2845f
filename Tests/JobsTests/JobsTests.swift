import Foundation
import Testing
import TrailFormat
import TrailSupport
import TrailTestSupport
import SampleGenerator
import Transform
@testable import Jobs
@testable import Load
import TrailDatabase

/// The jobs driven directly, against a real PostgreSQL: recorded settings, replay's swap as
/// readers at REPEATABLE READ see it, and replay's ledger rows against etl's.
@Suite(.serialized) struct JobsTests {
    static let start: Int64 = 1_795_743_000  // 2026-11-27T01:30:00Z
    static let settingsA = TransformSettings()
    static let settingsB = TransformSettings(serviceIdentityNamespaces: ["dbaas"], serviceIdentityLabel: "service-identity")

    /// `make test` sets GOLDMANE_TRAIL_REQUIRE_DATABASE: there, a missing server is a failure, not a skip.
    @Test func aDatabaseIsThereWhenRequired() {
        if ProcessInfo.processInfo.environment["GOLDMANE_TRAIL_REQUIRE_DATABASE"] != nil {
            #expect(TestDatabase.available, "no PostgreSQL: run the tests through `make test` (scripts/with-postgres.sh)")
        }
    }

    static func archive(windows: Int, from window: Int = 0, cluster: String = "homelab", into directory: TemporaryDirectory) throws {
        let spec = SampleArchive.Spec(cluster: cluster, start: start + Int64(window) * 900, windows: windows, windowSeconds: 900, activity: 0.5)
        _ = try SampleArchive(spec: spec).write(to: directory.path)
    }

    @Test(.enabled(if: TestDatabase.available))
    func etlWithOtherSettingsStopsBeforeChangingAnythingUntilReplay() throws {
        let database = try TestDatabase()
        let archive = try TemporaryDirectory("jobs-settings")
        defer { archive.remove() }
        try Self.archive(windows: 2, into: archive)
        let connection = try database.writer()

        let first = try EtlJob(archive: archive.path, settings: Self.settingsA).run(connection)
        #expect(first.loaded == 2 && first.failed == 0)
        try Self.archive(windows: 2, from: 2, into: archive)
        let before = try database.dump(connection)

        let a = RecordedSettings(settings: Self.settingsA.record, transformVersion: TransformVersion.current)
        let b = RecordedSettings(settings: Self.settingsB.record, transformVersion: TransformVersion.current)
        #expect(a.fingerprint != b.fingerprint)
        do {
            _ = try EtlJob(archive: archive.path, settings: Self.settingsB).run(connection)
            Issue.record("etl with other settings loaded")
        } catch let error as JobFailure {
            #expect(error.exitStatus == .dataError)
            #expect(error.description.contains(a.fingerprint) && error.description.contains(b.fingerprint))
            #expect(error.description.contains("replay"))
        }
        #expect(try database.dump(connection) == before, "a refused etl changed the tables")

        let replayed = try ReplayJob(archive: archive.path, settings: Self.settingsB).run(connection)
        #expect(replayed.segments == 4 && replayed.settings == b)
        let again = try EtlJob(archive: archive.path, settings: Self.settingsB).run(connection)
        #expect(again.loaded == 0 && again.failed == 0 && again.alreadyLoaded == 4)
        let fingerprints = try connection.execute("SELECT DISTINCT settings_fingerprint FROM load_ledger").rows
        #expect(fingerprints == [[b.fingerprint]])

        let health = try HealthCheck(now: Self.start + 3600, maxAge: 86_400).database(connection)
        #expect(health.findings.contains { !$0.stale && $0.text.contains("settings") && $0.text.contains(b.fingerprint) })
        #expect(!health.findings.contains { $0.text.contains(a.fingerprint) })
    }

    @Test(.enabled(if: TestDatabase.available))
    func replayLedgerRowsAndTablesEqualACleanEtl() throws {
        let archive = try TemporaryDirectory("jobs-ledger")
        defer { archive.remove() }
        try Self.archive(windows: 4, into: archive)
        // A second cluster with byte-identical FlowKeys in the same buckets: its items are
        // not copies of the first cluster's (etl loads both; replay must too).
        try Self.archive(windows: 2, cluster: "twin", into: archive)
        let etlDatabase = try TestDatabase()
        let etl = try etlDatabase.writer()
        #expect(try EtlJob(archive: archive.path, settings: Self.settingsA).run(etl).loaded == 6)
        let replayDatabase = try TestDatabase()
        let replay = try replayDatabase.writer()
        #expect(try ReplayJob(archive: archive.path, settings: Self.settingsA).run(replay).segments == 6)
        let fromEtl = try etlDatabase.dump(etl)
        let fromReplay = try replayDatabase.dump(replay)
        for table in ["edge", "edge_wide", "edge_daily", "edge_wide_daily", "ledger", "coverage", "policy_flow"] {
            #expect(fromEtl[table] == fromReplay[table], "\(table) differs between etl and replay")
        }
        #expect(fromReplay["policy_flow"]!.count > 0, "replay filled the policy projection")
        // Per-segment counts, not the whole replay's: they differ from segment to segment.
        let counts = Set(fromReplay["ledger"]!.map { $0[9] ?? "" })
        #expect(counts.count > 1)
    }

    @Test(.enabled(if: TestDatabase.available))
    func aRepeatableReadReaderSeesTheOldTablesAcrossTheSwapNeverEmpty() throws {
        let database = try TestDatabase()
        let archive = try TemporaryDirectory("jobs-swap")
        defer { archive.remove() }
        try Self.archive(windows: 4, into: archive)
        let writer = try database.writer()
        _ = try EtlJob(archive: archive.path, settings: Self.settingsA).run(writer)
        let counts = "SELECT (SELECT count(*) FROM edge), (SELECT count(*) FROM edge_wide), (SELECT count(*) FROM load_ledger), (SELECT count(*) FROM coverage), "
            + "(SELECT string_agg(DISTINCT src_identity, ',') FROM edge_wide)"
        let old = try writer.execute(counts).rows

        let reader = try database.connect()
        try reader.execute("BEGIN ISOLATION LEVEL REPEATABLE READ")
        _ = try reader.execute("SELECT count(*) FROM schema_migrations")  // the snapshot is taken here
        // Replay with other settings: the new tables differ from the old ones.
        let summary = try ReplayJob(archive: archive.path, settings: Self.settingsB).run(writer)
        #expect(summary.segments == 4)
        let seenInside = try reader.execute(counts).rows
        try reader.execute("COMMIT")
        let seenAfter = try reader.execute(counts).rows
        let new = try writer.execute(counts).rows

        #expect(old != new)
        #expect(seenInside == old, "a REPEATABLE READ snapshot from before the swap must see the old tables")
        #expect(seenAfter == new)
        #expect(new[0][2] == "4")
    }

    @Test(.enabled(if: TestDatabase.available))
    func etlRecordsItsFailuresAndLoadsTheRest() throws {
        let database = try TestDatabase()
        let archive = try TemporaryDirectory("jobs-failures")
        defer { archive.remove() }
        try Self.archive(windows: 3, into: archive)
        let victim = ArchiveListing(directory: archive.path)!.sealed[1]
        var bytes = try Data(contentsOf: URL(fileURLWithPath: victim))
        bytes[bytes.count / 2] ^= 0xFF
        try bytes.write(to: URL(fileURLWithPath: victim))
        let connection = try database.writer()
        var events: [EtlJob.Event] = []
        let summary = try EtlJob(archive: archive.path, settings: Self.settingsA).run(connection) { events.append($0) }
        #expect(summary.loaded == 2 && summary.failed == 1)
        #expect(events.contains { if case .failed(let path, _) = $0 { path == victim } else { false } })
        let failures = try connection.execute("SELECT segment FROM load_failures").rows
        #expect(failures == [[(victim as NSString).lastPathComponent]])
        #expect(SegmentsNotLoaded(count: summary.failed).exitStatus == .dataError)
    }
}
