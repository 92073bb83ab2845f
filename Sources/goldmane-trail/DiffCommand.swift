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
    var from: DayWindow

    @Option(help: "The later window.")
    var to: DayWindow

    @Flag(help: "JSON instead of tables.")
    var json = false

    /// A window of days, parsed once; argument-parser shows why a bad one is bad.
    struct DayWindow: ExpressibleByArgument {
        let window: WindowDiff.Window

        init?(argument: String) {
            guard let window = try? WindowDiff.Window(parsing: argument) else { return nil }
            self.window = window
        }
    }

    @OptionGroup var clusterOptions: ClusterOptions

    func run() throws {
        let store = try ReportSupport.store(clusters: clusterOptions)
        let diff = try ReportSupport.run { () throws(ReportError) in
            try WindowDiff.build(store: store, from: from.window, to: to.window)
        }
        if json {
            try ReportSupport.emitJSON(diff, to: nil)
        } else {
            try ReportSupport.emit(diff.text(), to: nil)
        }
    }
}
