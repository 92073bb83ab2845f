import ArgumentParser
import Foundation
import Load
import TrailFormat
import Transform

struct EtlCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "etl",
        abstract: "Transform and load every sealed segment of the archive that the ledger does not have yet.",
        discussion: """
            Segments are taken in time order, each transformed on its own and loaded in its own \
            transaction, so a crash or a kill at any point loses nothing and a rerun finishes the \
            job. Loaded segments are recognised by name (without reading them) or by content \
            hash, and skipped; `verify` checks the archive's files. A corrupt segment, \
            or one overlapping loaded data, is reported and left out; the others are loaded and \
            the job exits 65.
            """)

    @Option(help: "The archive directory.")
    var archive: String

    @OptionGroup var normalisation: NormalisationOptions
    @OptionGroup var database: DatabaseOptions
    @OptionGroup var job: JobOptions

    func run() async throws {
        try await job.run("etl") { metrics in try etl(metrics) }
    }

    func etl(_ metrics: JobMetrics) throws {
        guard let listing = ArchiveListing(directory: archive) else {
            throw fail("\(archive): no such directory, or it cannot be listed", code: ExitCodes.noInput)
        }
        for path in listing.unsealed {
            Diagnostics.warning("\(path): unsealed segment left for capture to recover")
        }
        let connection = try database.connectAsWriter()
        defer { WriterLock.release(connection) }
        let ledger: [[String?]]
        do { ledger = try connection.execute("SELECT segment, sha256 FROM load_ledger").rows } catch {
            throw fail(error.description, code: ExitCodes.code(for: error))
        }
        // Sealed segments never change, and their names (cluster and window) are unique: a
        // name in the ledger is skipped without reading the file, so a run costs what is new,
        // not the whole archive. A new name is recognised by content (a copy or a rename).
        let failures = LoadFailures(connection: connection, archiveNames: Set(listing.sealed.map { ($0 as NSString).lastPathComponent }))
        let loadedNames = Set(ledger.compactMap { $0[0] })
        let loaded = Set(ledger.compactMap { $0[1] })
        var pending: [(path: String, start: Int64)] = []
        var problems = 0
        for path in listing.sealed where !loadedNames.contains((path as NSString).lastPathComponent) {
            do {
                let hash = try ContentHash.sha256(path: path)
                guard !loaded.contains(hash) else { continue }
                let reader = try SegmentReader(path: path)
                pending.append((path, reader.header.windowStart))
            } catch {
                Diagnostics.error(error.description)
                failures.record(path, error.description)
                problems += 1
            }
        }
        pending.sort { ($0.start, $0.path) < ($1.start, $1.path) }
        var loadedCount = 0
        var totals = (items: Int64(0), edges: 0, wide: 0)
        let skippedCount = listing.sealed.count - pending.count - problems
        func record() {
            metrics.set("goldmane_trail_segments_loaded", loadedCount)
            metrics.set("goldmane_trail_segments_skipped", skippedCount)
            metrics.set("goldmane_trail_segments_corrupt", problems)
            metrics.set("goldmane_trail_segments_failed", problems)
            metrics.set("goldmane_trail_items_loaded", totals.items)
            metrics.set("goldmane_trail_edges_loaded", totals.edges)
            metrics.set("goldmane_trail_wide_edges_loaded", totals.wide)
            if let newest = try? connection.execute("SELECT extract(epoch FROM max(data_end))::bigint FROM load_ledger").rows.first?[0].flatMap({ Int64($0) }) {
                metrics.set("goldmane_trail_newest_data_timestamp_seconds", newest)
            }
        }
        defer { record() }
        let progress = ProgressBar(label: "etl", total: pending.count)
        defer { progress?.finish() }
        for (index, (path, _)) in pending.enumerated() {
            progress?.update(Double(index) / Double(max(pending.count, 1)), done: index)
            let batch: EdgeBatch
            do {
                let output = try TransformJob(inputs: [path], settings: normalisation.settings).run()
                batch = output.batch
                for warning in output.warnings { Diagnostics.warning(warning) }
            } catch {
                Diagnostics.error(error.description)
                failures.record(path, error.description)
                problems += 1
                continue
            }
            do {
                switch try BatchLoader(connection: connection).load(batch, name: path) {
                case .loaded(let edges, let wide):
                    loadedCount += 1
                    failures.clear(path)
                    totals = (totals.items + batch.header.items.read, totals.edges + edges, totals.wide + wide)
                    progress?.finish()
                    print("loaded \(path): \(batch.header.items.read) items, \(edges) edge rows, \(wide) wide rows")
                case .skipped(let reason):
                    print("skipped \(path): \(reason)")
                }
            } catch where error.code == .refused || error.isDataError {
                // This segment's data, not the database, is the problem: name it, record it,
                // and go on with the others.
                Diagnostics.error("\(path): not loaded: \(error.description)")
                failures.record(path, error.description)
                problems += 1
            } catch {
                throw fail(error.description, code: ExitCodes.code(for: error))
            }
        }
        progress?.finish()
        print("etl: \(loadedCount) segments loaded, \(skippedCount) already loaded, \(problems) refused"
              + (problems > 0 ? " (named above and in the load_failures table; `health` reports them until they load or leave the archive)" : ""))
        if problems > 0 { throw ExitCode(ExitCodes.dataError) }
    }
}
