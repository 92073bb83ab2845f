import ArgumentParser
import Foundation
import Load
import TrailFormat
import Transform

struct ReplayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Rebuild the tables from the archive with the current code, and swap them in atomically.",
        discussion: """
            This is how a transform bug, or a change of normalisation setting, is repaired: the \
            archive is folded again into shadow tables (edge_replay, ...), which replace the live \
            ones in one transaction. Readers see the old tables or the new ones, never a mix; the \
            result equals a clean `etl` of the same segments. --from/--to keep the segments whose \
            window starts in [from, to). A corrupt segment stops the replay (nothing changes) \
            unless --skip-corrupt is given.
            """)

    @Option(help: "The archive directory.")
    var archive: String

    @Option(help: "Only segments whose window starts at or after this time (RFC 3339 UTC or Unix seconds).")
    var from: String?

    @Option(help: "Only segments whose window starts before this time.")
    var to: String?

    @Flag(help: "Leave corrupt segments out (and report them) instead of failing.")
    var skipCorrupt = false

    @OptionGroup var normalisation: NormalisationOptions
    @OptionGroup var database: DatabaseOptions
    @OptionGroup var job: JobOptions

    func validate() throws {
        _ = try TimeArgument.parse(from, option: "--from")
        _ = try TimeArgument.parse(to, option: "--to")
    }

    func run() async throws {
        try await job.run("replay") { metrics in try replay(metrics) }
    }

    func replay(_ metrics: JobMetrics) throws {
        guard let listing = ArchiveListing(directory: archive) else {
            throw fail("\(archive): no such directory, or it cannot be listed", code: ExitCodes.noInput)
        }
        let lower = from.flatMap(UTCTime.parse) ?? .min
        let upper = to.flatMap(UTCTime.parse) ?? .max
        var selected: [String] = []
        for path in listing.sealed {
            guard let header = try? SegmentReader(path: path).header else {
                selected.append(path)  // let transform report it
                continue
            }
            if header.windowStart >= lower && header.windowStart < upper { selected.append(path) }
        }
        let connection = try database.connectAsWriter()
        defer { WriterLock.release(connection) }
        let started = Date()
        let output: TransformJob.Output
        if selected.isEmpty {
            output = TransformJob.Output(batch: TransformJob.empty(settings: normalisation.settings), warnings: [])
        } else {
            let progress = ProgressBar(label: "replay: folding \(selected.count) segments")
            defer { progress?.finish() }
            do { output = try TransformJob(inputs: selected, settings: normalisation.settings, skipCorrupt: skipCorrupt).run { progress?.update($0) } } catch {
                progress?.finish()
                throw fail(error.description, code: ExitCodes.code(for: error))
            }
        }
        for warning in output.warnings { Diagnostics.warning(warning) }
        do {
            try connection.execute("BEGIN")
            try ProjectionSwap.prepareShadow(connection)
            try BatchLoader(connection: connection, tables: .shadow, checkLedger: false).merge(output.batch)
            PausePoint.replayBuilt.reach()
            try ProjectionSwap.swap(connection)
            try connection.execute("COMMIT")
        } catch {
            _ = try? connection.execute("ROLLBACK")
            throw fail(error.description, code: ExitCodes.code(for: error))
        }
        let header = output.batch.header
        metrics.set("goldmane_trail_segments_loaded", header.inputs.count)
        metrics.set("goldmane_trail_segments_corrupt", header.skippedInputs.count)
        metrics.set("goldmane_trail_items_loaded", header.items.read)
        metrics.set("goldmane_trail_edges_loaded", header.edgeRows)
        metrics.set("goldmane_trail_wide_edges_loaded", header.wideRows)
        print(String(format: "replayed %d segments (%lld items): %d edge rows, %d wide rows, swapped in after %.1f s",
                     header.inputs.count, header.items.read, header.edgeRows, header.wideRows, Date().timeIntervalSince(started)))
    }
}
