import TrailFormat

/// A readable summary of an edge batch: what went in, what was dropped and why, the
/// namespace edges (denies first), and internet egress by port.
package enum EdgeSummary {
    package static func render(_ batch: EdgeBatch) -> String {
        var out: [String] = []
        let header = batch.header
        let clusters = Set(header.inputs.map(\.cluster)).sorted().joined(separator: ", ")
        let start = header.inputs.compactMap(\.minStart).min()
        let end = header.inputs.compactMap(\.maxEnd).max()
        let span = start.flatMap { s in end.map { "\(UTCTime.rfc3339(s)) to \(UTCTime.rfc3339($0))" } } ?? "no data"
        out.append("Edge batch: \(header.inputs.count) segments of \(clusters.isEmpty ? "no cluster" : clusters), \(span)")
        out.append("Items: \(header.items.read) read, \(header.items.duplicates) duplicates, \(header.items.conflictingDuplicates) conflicting duplicates, \(header.items.folded) folded")
        out.append("Dropped from every projection (edges, wide edges, policy flows): \(describe(header.dropped.all))")
        out.append("Left out of the namespace edges: \(describe(header.dropped.edge))")
        let gaps = header.inputs.flatMap(\.coverage.gaps)
        out.append("Coverage gaps: \(gaps.isEmpty ? "none" : gaps.map { "\(UTCTime.rfc3339($0.from)) to \(UTCTime.rfc3339($0.to)) (\($0.reason))" }.joined(separator: "; "))")
        if !header.skippedInputs.isEmpty {
            out.append("Skipped inputs: " + header.skippedInputs.map(\.segment).joined(separator: ", "))
        }
        out.append("")
        out.append("Namespace edges (\(batch.edges.count)), denies first:")
        var table = TextTable(headers: ["ACTION", "SOURCE", "DESTINATION", "FLOWS", "FIRST SEEN", "LAST SEEN"])
        let ordered = batch.edges.filter { $0.action == .deny } + batch.edges.filter { $0.action != .deny }
        for edge in ordered {
            table.add([edge.action.rawValue, edge.srcNs, edge.dstNs, String(edge.flowCount), UTCTime.rfc3339(edge.firstSeen), UTCTime.rfc3339(edge.lastSeen)])
        }
        out.append(table.render())
        out.append("")
        let outside = batch.wide.filter { $0.dstType == .network }
        let egress = outside.filter { $0.action == .deny } + outside.filter { $0.action != .deny }
        out.append("Egress to networks outside the cluster (\(egress.count) wide rows):")
        var egressTable = TextTable(headers: ["ACTION", "SOURCE", "DESTINATION", "PORT", "FLOWS", "DAYS"])
        for row in egress {
            egressTable.add([row.action.rawValue, row.srcIdentity, row.dstIdentity, "\(row.dstPort)/\(row.proto)", String(row.flowCount), String(row.days.count)])
        }
        out.append(egressTable.render())
        return out.joined(separator: "\n")
    }

    static func describe(_ counts: [String: Int64]) -> String {
        let nonzero = counts.filter { $0.value > 0 }.sorted { $0.key < $1.key }
        return nonzero.isEmpty ? "none" : nonzero.map { "\($0.key)=\($0.value)" }.joined(separator: ", ")
    }
}
