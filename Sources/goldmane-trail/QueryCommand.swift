import ArgumentParser
import Foundation
import Report
import TrailSupport

struct QueryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "query",
        abstract: "The runbook's queries over the edge table, as a table or JSON.",
        subcommands: [Inbound.self, Outbound.self, New.self, Denied.self, Adjacency.self])

    struct Output: ParsableArguments {
        @Flag(help: "JSON (an array of objects) instead of a table.")
        var json = false

        @OptionGroup var clusterOptions: ClusterOptions

        func print(_ query: EdgeQuery) throws {
            let store = try ReportSupport.store(clusters: clusterOptions)
            let table = try ReportSupport.run { () throws(ReportError) in try query.run(store) }
            try ReportSupport.emit(json ? try table.json() : table.text(), to: nil)
        }
    }

    /// Names are matched exactly, so anything the tables can hold is accepted, except what
    /// no name from Goldmane can be: empty, longer than 1,024 bytes, or with control characters.
    static func checkNamespace(_ namespace: String) throws {
        guard !namespace.isEmpty, namespace.utf8.count <= 1024 else {
            throw ValidationError("expected a namespace name (1 to 1,024 bytes)")
        }
        guard !namespace.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw ValidationError("a namespace name has no control characters (got \(TerminalText.visible(namespace)))")
        }
    }

    struct Inbound: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Everything talking to a namespace, most active first.")
        @Argument(help: "The destination namespace.") var namespace: String
        @OptionGroup var output: Output
        func validate() throws { try QueryCommand.checkNamespace(namespace) }
        func run() throws { try output.print(.inbound(namespace: namespace)) }
    }

    struct Outbound: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Everything a namespace talks to, most recent first.")
        @Argument(help: "The source namespace.") var namespace: String
        @OptionGroup var output: Output
        func validate() throws { try QueryCommand.checkNamespace(namespace) }
        func run() throws { try output.print(.outbound(namespace: namespace)) }
    }

    struct New: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Edges first seen after a time (what the digest reports).")
        @Option(help: "A time (RFC 3339 UTC or Unix seconds) or a duration before now (24h, 7d).") var since: Since
        @OptionGroup var output: Output

        /// A duration with its unit (`24h`: that long before now), else a time.
        struct Since: ExpressibleByArgument {
            let start: Int64
            init?(argument: String) {
                if argument.last.map({ "smhd".contains($0) }) == true, let span = TimeSpan(argument) {
                    start = TimeArgument.now - span.seconds
                } else if let time = TimeArgument(argument: argument) {
                    start = time.seconds
                } else {
                    return nil
                }
            }
        }

        func run() throws { try output.print(.new(since: since.start)) }
    }

    struct Denied: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Every denied edge, most recent first.")
        @OptionGroup var output: Output
        func run() throws { try output.print(.denied) }
    }

    struct Adjacency: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The whole edge set as an adjacency list.")
        @OptionGroup var output: Output
        func run() throws { try output.print(.adjacency) }
    }
}
