import TrailFormat

extension EdgeFold {
    /// The three projections, as pieces of one cluster's UTC day, sorted by cluster, day and
    /// key; and the items each left out.
    func projections() -> (edges: [EdgeRow], wide: [WideEdgeRow], policy: [PolicyFlowRow], dropped: DropCounts) {
        var order = (0..<wideKeys.count).filter { !pieces[$0].isEmpty }
        order.sort { WideEdgeKey.precedes(wideKeys[$0], wideKeys[$1]) }
        let clusterRank = PolicyProjection.ranks(of: clusterNames)

        // Pieces by (cluster, day), each list in key order.
        var wideByPiece: [PieceKey: [WideEdgeRow]] = [:]
        var edgeTotals: [PieceKey: [EdgeNamespaceKey: EdgeTotals]] = [:]
        var edgeDrops: [String: Int64] = [:]
        for index in order {
            let key = wideKeys[index]
            for piece in pieces[index] {
                let day = UTCTime.date(day: Int64(piece.day))
                let pieceKey = PieceKey(cluster: clusterRank[Int(piece.cluster)], day: piece.day)
                wideByPiece[pieceKey, default: []].append(WideEdgeRow(
                    cluster: clusterNames[Int(piece.cluster)],
                    srcType: key.srcType, srcNs: key.srcNs, srcIdentity: key.srcIdentity, srcWorkload: key.srcWorkload,
                    dstType: key.dstType, dstNs: key.dstNs, dstIdentity: key.dstIdentity, dstWorkload: key.dstWorkload,
                    dstService: key.dstService, dstPort: key.dstPort, proto: key.proto, action: key.action, reporter: key.reporter,
                    totals: piece.totals, days: [day]))
                if let reason = key.edgeExclusion {
                    edgeDrops[reason.rawValue, default: 0] += piece.totals.flowCount
                } else {
                    edgeTotals[pieceKey, default: [:]][EdgeNamespaceKey(srcNs: key.srcNs, dstNs: key.dstNs, action: key.action), default: EdgeTotals()]
                        .merge(piece.totals)
                }
            }
        }
        let pieceOrder = Set(wideByPiece.keys).union(edgeTotals.keys).sorted { ($0.cluster, $0.day) < ($1.cluster, $1.day) }
        let names = clusterRank.indices.sorted { clusterRank[$0] < clusterRank[$1] }.map { clusterNames[$0] }
        var wideRows: [WideEdgeRow] = []
        var edgeRows: [EdgeRow] = []
        for pieceKey in pieceOrder {
            wideRows += wideByPiece[pieceKey] ?? []
            let day = UTCTime.date(day: Int64(pieceKey.day))
            edgeRows += (edgeTotals[pieceKey] ?? [:])
                .sorted { UTF8Order.precedes($0.key.fields, $1.key.fields) }
                .map { EdgeRow(cluster: names[pieceKey.cluster], day: day, srcNs: $0.key.srcNs, dstNs: $0.key.dstNs, action: $0.key.action,
                               totals: $0.value) }
        }
        var allDrops: [String: Int64] = [:]
        for (reason, count) in dropped { allDrops[reason.rawValue] = count }
        return (edgeRows, wideRows, policy.rows(clusterNames: clusterNames), DropCounts(all: allDrops, edge: edgeDrops))
    }
}

/// One cluster's UTC day: the cluster's rank among the fold's clusters (byte-wise order of
/// names) and the day's number since 1970-01-01.
struct PieceKey: Hashable {
    var cluster: Int
    var day: Int32
}

/// The key of the runbook's `edge` table.
struct EdgeNamespaceKey: Hashable {
    var srcNs: String
    var dstNs: String
    var action: String
    var fields: [String] { [srcNs, dstNs, action] }
}
