import ArgumentParser
import Report
import TrailFormat

struct SummaryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "summary",
        abstract: "Print a readable summary of an edge batch: inputs, drops, namespace edges, egress.")

    @Argument(help: "An edge batch written by `transform`.")
    var batch: String

    func run() throws {
        let loaded: EdgeBatch
        do { loaded = try EdgeBatch.read(path: batch) } catch {
            throw fail("\(error)", code: .dataError, cause: error)
        }
        print(EdgeSummary.render(loaded))
    }
}
