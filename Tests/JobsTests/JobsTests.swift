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

    /// etl's chunks (several segments in one fold and one transaction) leave the tables, the
    /// ledger and the events exactly as loading each segment alone does: across midnight, with
    /// a second cluster in the same buckets, and whatever the chunks' size.
    @Test(.enabled(if: TestDatabase.available))
    func etlInChunksEqualsEtlOneSegmentAtATime() throws {
        let archive = try TemporaryDirectory("jobs-chunks")
        defer { archive.remove() }
        try Self.archive(windows: 8, from: -10, into: archive)  // 23:00 to 01:00
        try Self.archive(windows: 3, from: -9, cluster: "twin", into: archive)
        let segments = ArchiveListing(directory: archive.path)!.sealed
        #expect(segments.count == 11)
        let items = try segments.map { try ScannedSegment(path: $0).footer.recordCount }
        var dumps: [[String: [[String?]]]] = []
        var loadedEvents: [[EtlJob.Event]] = []
        var transactions: [Int] = []
        // One at a time; chunks of about three segments; everything in one chunk.
        for chunkItems in [1, items.max()! * 3, Int.max] {
            let database = try TestDatabase()
            let connection = try database.writer()
            var events: [EtlJob.Event] = []
            let summary = try EtlJob(archive: archive.path, settings: Self.settingsA, chunkItems: chunkItems).run(connection) { events.append($0) }
            #expect(summary.loaded == 11 && summary.failed == 0)
            dumps.append(try database.dump(connection))
            // now() is the transaction's start: one loaded_at per transaction.
            transactions.append(Int(try connection.execute("SELECT count(DISTINCT loaded_at) FROM load_ledger").rows[0][0]!)!)
            loadedEvents.append(events.filter { if case .loaded = $0 { true } else { false } }.sorted { "\($0)" < "\($1)" })
        }
        #expect(transactions[0] == 11 && (3...6).contains(transactions[1]) && transactions[2] == 1, "transactions: \(transactions)")
        #expect(Set(dumps[0]["edge_wide_daily"]!.map { $0[1] }).count == 2, "the archive crosses midnight")
        for (index, dump) in dumps.enumerated().dropFirst() {
            for table in ["edge", "edge_wide", "edge_daily", "edge_wide_daily", "ledger", "coverage", "policy_flow", "load_failures"] {
                #expect(dump[table] == dumps[0][table], "\(table) differs between chunked etl \(index) and etl one segment at a time")
            }
            #expect(loadedEvents[index] == loadedEvents[0])
        }
        #expect(Set(dumps[0]["ledger"]!.map { $0[9] ?? "" }).count > 1, "per-segment counts in the ledger")
    }

    /// Two segments of one cluster whose data overlap never share a chunk (etl refuses the
    /// second rather than fold them together); other clusters' segments do.
    @Test func chunksKeepOverlappingSegmentsOfOneClusterApart() throws {
        let first = try TemporaryDirectory("jobs-chunks-a")
        let second = try TemporaryDirectory("jobs-chunks-b")
        defer { first.remove(); second.remove() }
        try Self.archive(windows: 2, into: first)
        try Self.archive(windows: 1, from: 1, cluster: "twin", into: first)
        _ = try SampleArchive(spec: .init(cluster: "homelab", start: Self.start + 900, windows: 1, windowSeconds: 900, activity: 0.7)).write(to: second.path)
        let scan = { (directory: TemporaryDirectory) in try ArchiveListing(directory: directory.path)!.sealed.map { try ScannedSegment(path: $0) } }
        let a = try scan(first).sorted { ($0.header.windowStart, $0.header.cluster) < ($1.header.windowStart, $1.header.cluster) }
        let b = try scan(second)
        #expect(a.count == 3 && b.count == 1)
        let chunks = EtlJob.chunks(a + b, maxItems: .max)
        #expect(chunks.map(\.count) == [3, 1])
        #expect(chunks[1][0] == b[0])
        #expect(EtlJob.chunks(a, maxItems: .max).map(\.count) == [3])
        #expect(EtlJob.chunks(a, maxItems: a[0].footer.recordCount).map(\.count) == [1, 1, 1])
    }
}
