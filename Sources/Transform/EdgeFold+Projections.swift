import Foundation
import TrailFormat

extension EdgeFold {
    /// The three projections, as pieces of one cluster's UTC day, sorted by cluster, day and
    /// key; and the items each left out.
    func projections() -> (edges: [EdgeRow], wide: [WideEdgeRow], policy: [PolicyFlowRow], dropped: DropCounts) {
        let keys = wideKeys.finish()
        // The policy rows on another core while the wide and edge rows are made here: the two
        // read the finished keys and tables of their own, and each is made as it would be alone.
        let policyRows = OtherThread { [policy, clusterNames] in policy.rows(clusterNames: clusterNames) }
        let rows = (0..<keys.count).filter { !pieces[$0].isEmpty }
        var sortKeys = SortKeys(capacity: rows.count)
        for index in rows { keys[index].appendSortKey(to: &sortKeys) }
        let order = sortKeys.ascendingOrder().map { rows[$0] }
        let clusterRank = PolicyProjection.ranks(of: clusterNames)
        let names = clusterRank.indices.sorted { clusterRank[$0] < clusterRank[$1] }.map { clusterNames[$0] }

        // Every piece once, in row order: cluster, day, then key (the rank of its wide row).
        var entries: [PieceEntry] = []
        entries.reserveCapacity(order.count)
        for (rank, index) in order.enumerated() {
            for slot in pieces[index].indices {
                let piece = pieces[index][slot]
                entries.append(PieceEntry(cluster: Int32(clusterRank[Int(piece.cluster)]), day: piece.day, rank: Int32(rank),
                                          index: Int32(index), slot: Int32(slot)))
            }
        }
        entries.sort { ($0.cluster, $0.day, $0.rank) < ($1.cluster, $1.day, $1.rank) }

        var wideRows: [WideEdgeRow] = []
        wideRows.reserveCapacity(entries.count)
        var edgeRows: [EdgeRow] = []
        var edgeTotals: [EdgeNamespaceKey: EdgeTotals] = [:]
        var edgeDrops: [String: Int64] = [:]
        var current: (cluster: Int32, day: Int32)? = nil
        func flushEdges() {
            guard let current else { return }
            let day = UTCTime.date(day: Int64(current.day))
            edgeRows += edgeTotals
                .sorted { UTF8Order.precedes($0.key.fields, $1.key.fields) }
                .map { EdgeRow(cluster: names[Int(current.cluster)], day: day, srcNs: $0.key.srcNs, dstNs: $0.key.dstNs,
                               action: $0.key.action, totals: $0.value) }
            edgeTotals.removeAll(keepingCapacity: true)
        }
        var day = ""
        for entry in entries {
            if current == nil || current! != (entry.cluster, entry.day) {
                flushEdges()
                current = (entry.cluster, entry.day)
                day = UTCTime.date(day: Int64(entry.day))
            }
            let key = keys[Int(entry.index)]
            let totals = pieces[Int(entry.index)][Int(entry.slot)].totals
            wideRows.append(WideEdgeRow(
                cluster: names[Int(entry.cluster)],
                srcType: key.srcType, srcNs: key.srcNs, srcIdentity: key.srcIdentity, srcWorkload: key.srcWorkload,
                dstType: key.dstType, dstNs: key.dstNs, dstIdentity: key.dstIdentity, dstWorkload: key.dstWorkload,
                dstService: key.dstService, dstPort: key.dstPort, proto: key.proto, action: key.action, reporter: key.reporter,
                totals: totals, days: [day]))
            if let reason = key.edgeExclusion {
                edgeDrops[reason.rawValue, default: 0] += totals.flowCount
            } else {
                edgeTotals[EdgeNamespaceKey(srcNs: key.srcNs, dstNs: key.dstNs, action: key.action), default: EdgeTotals()].merge(totals)
            }
        }
        flushEdges()
        var allDrops: [String: Int64] = [:]
        for (reason, count) in dropped { allDrops[reason.rawValue] = count }
        return (edgeRows, wideRows, policyRows.result(), DropCounts(all: allDrops, edge: edgeDrops))
    }
}

extension EdgeFold {
    /// Per input group, the edge and wide rows a fold of that group alone would give: its wide
    /// pieces, and the distinct (namespace edge, day) of those the edge projection keeps.
    func groupRowCounts() -> [(edges: Int, wide: Int)] {
        var edgeOf: [Int32: EdgeNamespaceKey?] = [:]
        return groupPieces.map { touched in
            var edges = Set<EdgeDayKey>()
            for (wide, day) in touched {
                let edge: EdgeNamespaceKey?
                if let known = edgeOf[wide] {
                    edge = known
                } else {
                    let key = wideKeys[wide]
                    edge = key.edgeExclusion == nil ? EdgeNamespaceKey(srcNs: key.srcNs, dstNs: key.dstNs, action: key.action) : nil
                    edgeOf[wide] = edge
                }
                if let edge { edges.insert(EdgeDayKey(edge: edge, day: day)) }
            }
            return (edges.count, touched.count)
        }
    }
}

/// A namespace edge's piece of one day (a group's pieces are of one cluster).
struct EdgeDayKey: Hashable {
    var edge: EdgeNamespaceKey
    var day: Int32
}

/// A piece of a wide row, located: its cluster's rank among the fold's clusters (byte-wise
/// order of names), its day (days since 1970-01-01), its wide row's rank in key order, and
/// where it is (`pieces[index][slot]`).
struct PieceEntry {
    var cluster: Int32
    var day: Int32
    var rank: Int32
    var index: Int32
    var slot: Int32
}

/// The key of the runbook's `edge` table.
struct EdgeNamespaceKey: Hashable {
    var srcNs: String
    var dstNs: String
    var action: FlowAction
    var fields: [String] { [srcNs, dstNs, action.rawValue] }
}
