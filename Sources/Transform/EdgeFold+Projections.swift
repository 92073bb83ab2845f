import TrailFormat

extension EdgeFold {
    /// The three projections, sorted, and the items each left out.
    func projections() -> (edges: [EdgeRow], wide: [WideEdgeRow], policy: [PolicyFlowRow], dropped: DropCounts) {
        var order = (0..<wideKeys.count).filter { totals[$0].flowCount > 0 }
        order.sort { WideEdgeKey.precedes(wideKeys[$0], wideKeys[$1]) }

        var wideRows: [WideEdgeRow] = []
        var edgeTotals: [EdgeNamespaceKey: EdgeTotals] = [:]
        var edgeDrops: [String: Int64] = [:]
        for index in order {
            let key = wideKeys[index]
            let total = totals[index]
            wideRows.append(WideEdgeRow(
                srcType: key.srcType, srcNs: key.srcNs, srcIdentity: key.srcIdentity, srcWorkload: key.srcWorkload,
                dstType: key.dstType, dstNs: key.dstNs, dstIdentity: key.dstIdentity, dstWorkload: key.dstWorkload,
                dstService: key.dstService, dstPort: key.dstPort, proto: key.proto, action: key.action, reporter: key.reporter,
                totals: total, days: days[index].map { UTCTime.date(day: Int64($0)) }))
            if let reason = key.edgeExclusion {
                edgeDrops[reason.rawValue, default: 0] += total.flowCount
            } else {
                edgeTotals[EdgeNamespaceKey(srcNs: key.srcNs, dstNs: key.dstNs, action: key.action), default: EdgeTotals()].merge(total)
            }
        }
        let edgeRows = edgeTotals
            .sorted { UTF8Order.precedes($0.key.fields, $1.key.fields) }
            .map { EdgeRow(srcNs: $0.key.srcNs, dstNs: $0.key.dstNs, action: $0.key.action, totals: $0.value) }
        var allDrops: [String: Int64] = [:]
        for (reason, count) in dropped { allDrops[reason.rawValue] = count }
        return (edgeRows, wideRows, policy.rows(), DropCounts(all: allDrops, edge: edgeDrops))
    }
}

/// The key of the runbook's `edge` table.
struct EdgeNamespaceKey: Hashable {
    var srcNs: String
    var dstNs: String
    var action: String
    var fields: [String] { [srcNs, dstNs, action] }
}
