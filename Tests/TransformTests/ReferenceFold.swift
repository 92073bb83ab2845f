import GoldmaneAPI
import TrailFormat
@testable import Transform

/// The fold written the plain way: Swift dictionaries keyed by copied bytes, no interning,
/// no staging, no unsafe code of its own. Shares only the normalisation rules (the wide key,
/// the edge exclusions) with `EdgeFold`, so a disagreement points at the fold's machinery:
/// the interning table, the per-key dedupe state, the bucket staging, the merge.
struct ReferenceFold {
    let settings: TransformSettings

    private struct Item {
        var wide: WideEdgeKey
        var start: Int64
        var end: Int64
        var counters: [Int64]  // packets in, out, bytes in, out, started, completed, live
    }

    private struct ItemKey: Hashable {
        var key: [UInt8]
        var bucket: Int64
    }

    /// Rows for `records` (FlowResult bytes), in any order.
    func rows(_ records: [[UInt8]]) -> (edges: [EdgeRow], wide: [WideEdgeRow]) {
        var items: [ItemKey: Item] = [:]
        let labelName = settings.serviceIdentityLabel
        for record in records {
            guard let view = record.withUnsafeBytes({ FlowRecordView(record: $0) }), view.hasKey else { continue }
            let keyBytes = Array(record[view.keyRange])
            guard let key = record.withUnsafeBytes({ FlowKeyView($0, range: view.keyRange) }) else { continue }
            func label(_ destination: Bool) -> String? {
                let (type, namespace) = destination ? (key.destType, key.destNamespace) : (key.sourceType, key.sourceNamespace)
                guard type == 1, settings.serviceIdentityNamespaces.contains(namespace) else { return nil }
                // The generated decoder, not the fold's wire reader, reads the labels.
                let message = try? Goldmane_FlowResult(serializedBytes: record)
                let labels = (destination ? message?.flow.destLabels : message?.flow.sourceLabels) ?? []
                return labels.first { $0.hasPrefix(labelName + "=") }.map { String($0.dropFirst(labelName.count + 1)) }
            }
            let wide = WideEdgeKey(key: key, srcLabel: label(false), dstLabel: label(true))
            let counters = [view.packetsIn, view.packetsOut, view.bytesIn, view.bytesOut,
                            view.connectionsStarted, view.connectionsCompleted, view.connectionsLive]
            let itemKey = ItemKey(key: keyBytes, bucket: view.startTime)
            if var existing = items[itemKey] {
                existing.counters = zip(existing.counters, counters).map { max($0, $1) }
                if WideEdgeKey.precedes(wide, existing.wide) { existing.wide = wide }
                items[itemKey] = existing
            } else {
                items[itemKey] = Item(wide: wide, start: view.startTime, end: view.endTime, counters: counters)
            }
        }
        var totals: [WideEdgeKey: EdgeTotals] = [:]
        var days: [WideEdgeKey: Set<Int64>] = [:]
        for item in items.values where item.counters.contains(where: { $0 != 0 }) {
            var total = totals[item.wide] ?? EdgeTotals()
            var one = EdgeTotals()
            one.firstSeen = item.start
            one.lastSeen = item.end
            one.flowCount = 1
            one.connections = item.counters[4]
            one.packetsIn = item.counters[0]
            one.packetsOut = item.counters[1]
            one.bytesIn = item.counters[2]
            one.bytesOut = item.counters[3]
            total.merge(one)
            totals[item.wide] = total
            days[item.wide, default: []].insert(UTCTime.floorDivide(item.start, 86_400))
        }
        let order = totals.keys.sorted { WideEdgeKey.precedes($0, $1) }
        var edgeTotals: [[String]: EdgeTotals] = [:]
        let wide = order.map { key in
            let total = totals[key]!
            if key.edgeExclusion == nil { edgeTotals[[key.srcNs, key.dstNs, key.action], default: EdgeTotals()].merge(total) }
            return WideEdgeRow(
                srcType: key.srcType, srcNs: key.srcNs, srcIdentity: key.srcIdentity, srcWorkload: key.srcWorkload,
                dstType: key.dstType, dstNs: key.dstNs, dstIdentity: key.dstIdentity, dstWorkload: key.dstWorkload,
                dstService: key.dstService, dstPort: key.dstPort, proto: key.proto, action: key.action, reporter: key.reporter,
                totals: total, days: days[key]!.sorted().map { UTCTime.date(day: $0) })
        }
        let edges = edgeTotals.sorted { UTF8Order.precedes($0.key, $1.key) }
            .map { EdgeRow(srcNs: $0.key[0], dstNs: $0.key[1], action: $0.key[2], totals: $0.value) }
        return (edges, wide)
    }
}
