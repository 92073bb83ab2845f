import ArgumentParser
import Foundation
import Jobs
import Load
import TrailSupport

struct EtlCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "etl",
        abstract: "Transform and load every sealed segment of the archive that the ledger does not have yet.",
        discussion: """
            Segments are taken in time order; consecutive ones (up to 2,000,000 items) are folded \
            together and loaded in one transaction, each with its own ledger row, so the tables \
            are those of loading each alone, and a crash or a kill at any point loses nothing and \
            a rerun finishes the job. Loaded segments are recognised by name (without reading them) or by content \
            hash, and skipped; `verify` checks the archive's files. A corrupt segment, \
            or one overlapping loaded data, is reported and left out; the others are loaded and \
            the job exits 65. With other normalisation settings than the tables were built with \
            (the ledger records them), etl stops before loading anything, exit 65, naming both: \
            run `replay` with the new settings first.
            """)

    @Option(help: "The archive: a directory, or s3://BUCKET/PREFIX (keys and endpoint from AWS_*).")
    var archive: String

    @Option(help: ArgumentHelp("At most this many items (by the segments' footers) are folded and loaded in one transaction; 1: one segment per transaction.",
                               valueName: "n"))
    var chunkItems: Int = EtlJob.defaultChunkItems

    @OptionGroup var normalisation: NormalisationOptions
    @OptionGroup var database: DatabaseOptions
    @OptionGroup var job: JobOptions

    func validate() throws {
        guard chunkItems >= 1 else { throw ValidationError("--chunk-items must be at least 1, not \(chunkItems)") }
    }

    func run() async throws {
        try await job.run("etl") { metrics in try etl(metrics) }
    }

    func etl(_ metrics: JobMetrics) throws {
        let connection = try database.connectAsWriter()
        defer { WriterLock.release(connection) }
        var tally = EtlJob.Summary()
        defer {
            metrics.set("goldmane_trail_segments_loaded", tally.loaded)
            metrics.set("goldmane_trail_segments_skipped", tally.alreadyLoaded)
            metrics.set("goldmane_trail_segments_corrupt", tally.failed)
            metrics.set("goldmane_trail_segments_failed", tally.failed)
            metrics.set("goldmane_trail_items_loaded", tally.items)
            metrics.set("goldmane_trail_edges_loaded", tally.edgeRows)
            metrics.set("goldmane_trail_wide_edges_loaded", tally.wideRows)
            if let newest = try? Ledger(connection).newestDataEnd() {
                metrics.set("goldmane_trail_newest_data_timestamp_seconds", newest)
            }
        }
        var progress: ProgressBar?
        defer { progress?.finish() }
        let summary = try EtlJob(archive: archive, settings: normalisation.settings, chunkItems: chunkItems).run(connection) { event in
            tally.count(event)
            switch event {
            case .unsealed(let path): Diagnostics.warning("\(path): unsealed segment left for capture to recover")
            case .warning(let text): Diagnostics.warning(text)
            case .failed(_, let reason): Diagnostics.error(reason)
            case .skipped(let path, let reason): print("skipped \(path): \(reason)")
            case .loaded(let path, let items, let edges, let wide):
                progress?.finish()
                print("loaded \(path): \(items) items, \(edges) edge rows, \(wide) wide rows")
            case .progress(let done, let total):
                if progress == nil && done == 0 { progress = ProgressBar(label: "etl", total: total) }
                progress?.update(Double(done) / Double(max(total, 1)), done: done)
            }
        }
        tally = summary  // the job's own count, with the segments it never had to open
        progress?.finish()
        print("etl: \(summary.loaded) segments loaded, \(summary.alreadyLoaded) already loaded, \(summary.failed) refused")
        if summary.failed > 0 { throw SegmentsNotLoaded(count: summary.failed) }
    }
}
