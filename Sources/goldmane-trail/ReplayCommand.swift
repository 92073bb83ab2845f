import ArgumentParser
import Foundation
import Jobs
import Load

struct ReplayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Rebuild the tables from the archive with the current code, and swap them in atomically.",
        discussion: """
            This is how a transform bug, or a change of normalisation setting, is repaired. The \
            tables keep history in pieces, one cluster's UTC day each; replay rebuilds the pieces \
            it is asked for from the archive, as a clean etl would, and replaces exactly those in \
            one transaction, with the all-time rows of every key they touch recomputed: every other \
            piece stays as it was. Without --from/--to it rebuilds every day; with them, the whole \
            UTC days that [from, to) touches. --cluster limits it to some clusters (repeatable). A \
            reader at any isolation level sees the old history or the new, never a mix.

            Nothing changes, and replay exits non-zero, when it has nothing to rebuild (no segment \
            of the days and clusters asked for: 66), when --from is not before --to (64), or when it \
            would lose or mix history (65): a range replay while some history predates days (run \
            one full replay first), or other settings than the rows it keeps were built with. A \
            day that a loaded segment no longer in the archive contributed to (pruned, lost, a \
            wrong --archive) is kept as loaded, and said. A corrupt segment stops the replay unless \
            --skip-corrupt is given (its days are then kept as loaded).
            """)

    @Option(help: "The archive: a directory, or s3://BUCKET/PREFIX (keys and endpoint from AWS_*).")
    var archive: String

    @OptionGroup var range: WindowOptions<FromTo>

    /// `--from`/`--to`: the days to rebuild; either end may be left open.
    enum FromTo: WindowFlagRules {
        static var fromHelp: ArgumentHelp { "Rebuild from the UTC day of this time (RFC 3339 UTC or Unix seconds)." }
        static var toHelp: ArgumentHelp { "Rebuild up to the UTC day of the second before this time." }
        static var pairing: WindowFlagPairing { .eitherAlone }
        static var withinArchiveYears: Bool { false }
        static var refusal: String { ": nothing replayed, the tables are unchanged" }
    }

    @Option(name: .customLong("cluster"), help: "Rebuild this cluster only (repeatable; default: every cluster in the archive).")
    var clusters: [String] = []

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
        let replay = ReplayJob(archive: archive, settings: normalisation.settings, from: range.from?.seconds, to: range.to?.seconds, clusters: clusters,
                               skipCorrupt: skipCorrupt)
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
        metrics.set("goldmane_trail_replay_missing_segments", summary.missingSegments)
        let seconds = String(format: "%.1f", Date().timeIntervalSince(started))
        print("replayed \(summary.segments) segments (\(summary.items) items), rebuilt \(summary.rebuilt.joined(separator: "; ")): \(summary.edgeRows) edge rows, \(summary.wideRows) wide rows in all, swapped in after \(seconds) s")
        for line in summary.kept { print(line) }
        print("settings recorded: \(summary.settings)")
    }
}
