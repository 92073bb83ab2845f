import ArgumentParser
import Report
import TrailFormat

struct DiffCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diff",
        abstract: "Namespace edges new, gone, or with changed verdicts between two windows of days.",
        discussion: """
            A window is a UTC day (2026-11-27) or an inclusive range of days \
            (2026-11-20/2026-11-26): the edge tables record the days each edge was seen on, so \
            windows are whole days. Example: --from 2026-11-20/2026-11-26 --to 2026-11-27/2026-12-03 \
            compares two weeks.
            """)

    @Option(help: "The earlier window.")
    var from: String

    @Option(help: "The later window.")
    var to: String

    @Flag(help: "JSON instead of tables.")
    var json = false

    func validate() throws {
        do {
            _ = try WindowDiff.Window(parsing: from)
            _ = try WindowDiff.Window(parsing: to)
        } catch { throw ValidationError(error.description) }
    }

    func run() throws {
        let store = try ReportSupport.store()
        let diff = try ReportSupport.run { () throws(ReportError) in
            try WindowDiff.build(store: store, from: try WindowDiff.Window(parsing: from), to: try WindowDiff.Window(parsing: to))
        }
        if json {
            let encoder = CanonicalJSON.encoder()
            encoder.outputFormatting.insert(.prettyPrinted)
            try ReportSupport.emit(String(decoding: try encoder.encode(diff), as: UTF8.self) + "\n", to: nil)
        } else {
            try ReportSupport.emit(diff.text(), to: nil)
        }
    }
}
