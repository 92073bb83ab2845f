import ArgumentParser
import TrailSupport
import Foundation
import Load
import TrailFormat

struct LoadCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "load",
        abstract: "Merge edge batches into PostgreSQL, one transaction per batch.",
        discussion: """
            Each batch's rows and the ledger rows of its input segments commit together. A batch \
            whose segments are all in the ledger is skipped (reported); one partly loaded, or \
            overlapping loaded data of the same cluster, is refused (exit 65) because loading it \
            would double count.
            """)

    @Argument(help: "Edge batches written by `transform`.")
    var batches: [String]

    @OptionGroup var database: DatabaseOptions
    @OptionGroup var job: JobOptions

    func run() async throws {
        try await job.run("load") { metrics in try load(metrics) }
    }

    func load(_ metrics: JobMetrics) throws {
        let connection = try database.connectAsWriter()
        defer { WriterLock.release(connection) }
        var refused = 0
        var counts = (loaded: 0, skipped: 0, items: Int64(0), edges: 0, wide: 0)
        defer {
            metrics.set("goldmane_trail_segments_loaded", counts.loaded)
            metrics.set("goldmane_trail_segments_skipped", counts.skipped)
            metrics.set("goldmane_trail_segments_corrupt", refused)
            metrics.set("goldmane_trail_items_loaded", counts.items)
            metrics.set("goldmane_trail_edges_loaded", counts.edges)
            metrics.set("goldmane_trail_wide_edges_loaded", counts.wide)
        }
        for path in batches {
            let batch: EdgeBatch
            do { batch = try EdgeBatch.read(path: path) } catch {
                throw fail("\(error)", code: .dataError, cause: error)
            }
            do {
                switch try BatchLoader(connection: connection).load(batch, name: path) {
                case .loaded(let edges, let wide):
                    counts = (counts.loaded + batch.header.inputs.count, counts.skipped, counts.items + batch.header.items.read,
                              counts.edges + edges, counts.wide + wide)
                    print("loaded \(path): \(edges) edge rows, \(wide) wide rows from \(batch.header.inputs.count) segments")
                case .skipped(let reason):
                    counts.skipped += batch.header.inputs.count
                    print("skipped \(path): \(reason)")
                }
            } catch where error.code == .refused {
                Diagnostics.error(error.description)
                refused += 1
            } catch {
                throw error
            }
        }
        if refused > 0 { throw ExitCode(ExitStatus.dataError.rawValue) }
    }
}
