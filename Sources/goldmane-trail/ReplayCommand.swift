import ArgumentParser
import Foundation
import Jobs
import Load

struct ReplayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Rebuild the tables from the archive with the current code, and swap them in atomically.",
        discussion: """
            This is how a transform bug, or a change of normalisation setting, is repaired: the \
            archive is loaded again, as a clean etl would, into shadow tables (edge_replay, ...), \
            whose rows replace the live rows in one transaction. A reader at any isolation level \
            sees the old tables or the new ones, never a mix and never empty; the result, ledger \
            included, equals a clean `etl` of the same segments, and the ledger records the new \
            settings (etl refuses other settings than the tables were built with). --from/--to \
            keep the segments whose window starts in [from, to). A corrupt segment stops the \
            replay (nothing changes) unless --skip-corrupt is given.
            """)

    @Option(help: "The archive directory.")
    var archive: String

    @Option(help: "Only segments whose window starts at or after this time (RFC 3339 UTC or Unix seconds).")
    var from: TimeArgument?

    @Option(help: "Only segments whose window starts before this time.")
    var to: TimeArgument?

    @Flag(help: "Leave corrupt segments out (and report them) instead of failing.")
    var skipCorrupt = false

    @OptionGroup var normalisation: NormalisationOptions
    @OptionGroup var database: DatabaseOptions
    @OptionGroup var job: JobOptions

    func run() async throws {
        try await job.run("replay") { metrics in try replay(metrics) }
    }

    func replay(_ metrics: JobMetrics) throws {
        let connection = try database.connectAsWriter()
        defer { WriterLock.release(connection) }
        let started = Date()
        var progress: ProgressBar?
        defer { progress?.finish() }
        let replay = ReplayJob(archive: archive, settings: normalisation.settings, from: from?.seconds, to: to?.seconds, skipCorrupt: skipCorrupt)
        let summary = try replay.run(connection) { event in
            switch event {
            case .warning(let text): Diagnostics.warning(text)
            case .progress(let done, let total):
                if progress == nil && done == 0 { progress = ProgressBar(label: "replay", total: total) }
                progress?.update(Double(done) / Double(max(total, 1)), done: done)
            }
        }
        progress?.finish()
        metrics.set("goldmane_trail_segments_loaded", summary.segments)
        metrics.set("goldmane_trail_segments_corrupt", summary.skippedCorrupt)
        metrics.set("goldmane_trail_items_loaded", summary.items)
        metrics.set("goldmane_trail_edges_loaded", summary.edgeRows)
        metrics.set("goldmane_trail_wide_edges_loaded", summary.wideRows)
        let seconds = String(format: "%.1f", Date().timeIntervalSince(started))
        print("replayed \(summary.segments) segments (\(summary.items) items): \(summary.edgeRows) edge rows, \(summary.wideRows) wide rows, swapped in after \(seconds) s")
        print("settings recorded: \(summary.settings)")
    }
}
