import ArgumentParser
import Report

struct GraphCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "graph",
        abstract: "The namespace map: DOT, or SVG through Graphviz's dot. Denies in red, line width by flow count.")

    enum Format: String, ExpressibleByArgument, CaseIterable { case dot, svg }

    @Option(help: "dot (Graphviz source) or svg (needs Graphviz's dot on PATH).")
    var format: Format = .dot

    @Option(name: .shortAndLong, help: "Write the graph here instead of standard output.")
    var output: String?

    @OptionGroup var clusterOptions: ClusterOptions

    func run() throws {
        let store = try ReportSupport.store(clusters: clusterOptions)
        let edges = try ReportSupport.run { () throws(ReportError) in try store.allEdges() }
        let dot = NamespaceGraph.dot(edges)
        switch format {
        case .dot: try ReportSupport.emit(dot, to: output)
        case .svg: try ReportSupport.emit(try ReportSupport.run { () throws(ReportError) in try NamespaceGraph.svg(fromDot: dot) }, to: output)
        }
    }
}
