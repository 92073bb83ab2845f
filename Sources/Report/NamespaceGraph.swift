import TrailSupport
import Foundation
import TrailFormat

/// The namespace map as Graphviz DOT: one node per namespace, one arrow per edge, denies in
/// red and dashed, line width growing with the log of the flow count. Every name is a quoted
/// DOT string, so a name cannot change the graph.
package enum NamespaceGraph {
    package static func dot(_ edges: [EdgeRow]) -> String {
        let sorted = edges.sorted { ($0.srcNs, $0.dstNs, $0.action.rawValue) < ($1.srcNs, $1.dstNs, $1.action.rawValue) }
        let nodes = Set(sorted.flatMap { [$0.srcNs, $0.dstNs] }).sorted()
        var lines = [
            "digraph namespaces {",
            "  graph [rankdir=LR, fontname=\"Helvetica\", label=\"goldmane-trail: who talks to whom (\(edges.count) edges; red: denied)\", labelloc=t];",
            "  node [shape=box, style=\"rounded,filled\", fillcolor=\"#f5f5f5\", fontname=\"Helvetica\"];",
            "  edge [fontname=\"Helvetica\", fontsize=9];",
        ]
        for node in nodes { lines.append("  \(quote(node));") }
        for edge in sorted {
            let width = 1 + log10(Double(max(edge.flowCount, 1)))
            var attributes = ["penwidth=\(String(format: "%.2f", width))", "label=\"\(edge.flowCount)\"", "tooltip=\(quote("\(edge.srcNs) -> \(edge.dstNs): \(edge.action.rawValue), \(edge.flowCount) flows"))"]
            switch edge.action {
            case .allow: attributes.append("color=\"#4a4a4a\"")
            case .deny: attributes += ["color=\"#d62728\"", "fontcolor=\"#d62728\"", "style=dashed"]
            default: attributes.append("color=\"#ff7f0e\"")
            }
            lines.append("  \(quote(edge.srcNs)) -> \(quote(edge.dstNs)) [\(attributes.joined(separator: ", "))];")
        }
        lines.append("}")
        return lines.joined(separator: "\n") + "\n"
    }

    /// A DOT double-quoted string: quotes and backslashes escaped, control characters shown.
    static func quote(_ text: String) -> String {
        let escaped = TextEscape.escape(text) { scalar in
            switch scalar {
            case "\"": "\\\""
            case "\\": "\\\\"
            default: scalar.properties.generalCategory == .control ? "\\" + TextEscape.visible(scalar) : nil
            }
        }
        return "\"" + escaped + "\""
    }

    /// Renders DOT to SVG with Graphviz's `dot` from PATH.
    package static func svg(fromDot dot: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws(ReportError) -> String {
        let path = (environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":").map { "\($0)/dot" }
            .first { FileManager.default.isExecutableFile(atPath: $0) }
        guard let path else {
            throw ReportError(.graphviz, "SVG needs Graphviz's `dot`, which is not on PATH: install Graphviz (Debian: apt-get install graphviz), or use --format dot")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = ["-Tsvg"]
        let input = Pipe(), output = Pipe(), errors = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = errors
        do { try process.run() } catch {
            throw ReportError(.graphviz, "could not start \(path): \(error.localizedDescription)", cause: error)
        }
        // Write and read concurrently: a large graph fills the pipes both ways.
        let writer = Thread {
            input.fileHandleForWriting.write(Data(dot.utf8))
            try? input.fileHandleForWriting.close()
        }
        writer.start()
        let svg = output.fileHandleForReading.readDataToEndOfFile()
        let problem = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw ReportError(.graphviz, "Graphviz's dot failed (exit \(process.terminationStatus)): \(String(decoding: problem.prefix(300), as: UTF8.self))")
        }
        return String(decoding: svg, as: UTF8.self)
    }
}
