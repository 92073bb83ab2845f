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
        var policy: PolicyFlowIdentity
        var start: Int64
        var end: Int64
        var counters: [Int64]  // packets in, out, bytes in, out, started, completed, live
    }

    private struct ItemKey: Hashable {
        var key: [UInt8]
        var bucket: Int64
    }

    /// Rows for `records` (FlowResult bytes) of one cluster, in any order: pieces of its UTC days.
    func rows(_ records: [[UInt8]], cluster: String = "") -> (edges: [EdgeRow], wide: [WideEdgeRow], policy: [PolicyFlowRow]) {
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
            let policy = Self.policyIdentity(try! Goldmane_FlowResult(serializedBytes: record).flow)
            let itemKey = ItemKey(key: keyBytes, bucket: view.startTime)
            if var existing = items[itemKey] {
                existing.counters = zip(existing.counters, counters).map { max($0, $1) }
                if WideEdgeKey.precedes(wide, existing.wide) { existing.wide = wide }
                if PolicyFlowIdentity.keeps(policy, over: existing.policy) { existing.policy = policy }
                items[itemKey] = existing
            } else {
                items[itemKey] = Item(wide: wide, policy: policy, start: view.startTime, end: view.endTime, counters: counters)
            }
        }
        struct Piece: Hashable { var day: Int64; var wide: WideEdgeKey }
        var totals: [Piece: EdgeTotals] = [:]
        struct PolicyDay: Hashable { var identity: PolicyFlowIdentity; var day: Int64 }
        var policyTotals: [PolicyDay: EdgeTotals] = [:]
        for item in items.values where item.counters.contains(where: { $0 != 0 }) {
            let day = UTCTime.floorDivide(item.start, 86_400)
            var policyOne = EdgeTotals(firstSeen: item.start, lastSeen: item.end, flowCount: 1, connections: item.counters[4],
                                       packetsIn: 0, packetsOut: 0, bytesIn: 0, bytesOut: 0)
            policyOne.merge(policyTotals[PolicyDay(identity: item.policy, day: day)] ?? EdgeTotals())
            policyTotals[PolicyDay(identity: item.policy, day: day)] = policyOne
            let piece = Piece(day: day, wide: item.wide)
            var total = totals[piece] ?? EdgeTotals()
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
            totals[piece] = total
        }
        let order = totals.keys.sorted { $0.day != $1.day ? $0.day < $1.day : WideEdgeKey.precedes($0.wide, $1.wide) }
        struct EdgePiece: Hashable { var day: Int64; var key: [String] }
        var edgeTotals: [EdgePiece: EdgeTotals] = [:]
        let wide = order.map { piece in
            let total = totals[piece]!
            let key = piece.wide
            if key.edgeExclusion == nil { edgeTotals[EdgePiece(day: piece.day, key: [key.srcNs, key.dstNs, key.action.rawValue]), default: EdgeTotals()].merge(total) }
            return WideEdgeRow(
                cluster: cluster, srcType: key.srcType, srcNs: key.srcNs, srcIdentity: key.srcIdentity, srcWorkload: key.srcWorkload,
                dstType: key.dstType, dstNs: key.dstNs, dstIdentity: key.dstIdentity, dstWorkload: key.dstWorkload,
                dstService: key.dstService, dstPort: key.dstPort, proto: key.proto, action: key.action, reporter: key.reporter,
                totals: total, days: [UTCTime.date(day: piece.day)])
        }
        let edges = edgeTotals.sorted { $0.key.day != $1.key.day ? $0.key.day < $1.key.day : UTF8Order.precedes($0.key.key, $1.key.key) }
            .map { EdgeRow(cluster: cluster, day: UTCTime.date(day: $0.key.day), srcNs: $0.key.key[0], dstNs: $0.key.key[1], action: FlowAction(rawValue: $0.key.key[2])!,
                           totals: $0.value) }
        let policy = policyTotals.sorted {
            $0.key.day != $1.key.day ? $0.key.day < $1.key.day : UTF8Order.precedes($0.key.identity.orderFields, $1.key.identity.orderFields)
        }.map {
            PolicyFlowRow(cluster: cluster, day: UTCTime.date(day: $0.key.day), identity: $0.key.identity, firstSeen: $0.value.firstSeen,
                          lastSeen: $0.value.lastSeen, flowCount: $0.value.flowCount, connections: $0.value.connections)
        }
        return (edges, wide, policy)
    }

    /// The policy identity from the generated decoder's message (labels sorted and without
    /// repeats; the deciding hit: the first allow or deny in policy_index order).
    static func policyIdentity(_ flow: Goldmane_Flow) -> PolicyFlowIdentity {
        let key = flow.key
        func decision(_ hits: [Goldmane_PolicyHit]) -> PolicyDecision {
            let ordered = hits.enumerated().sorted { ($0.element.policyIndex, $0.offset) < ($1.element.policyIndex, $1.offset) }.map(\.element)
            guard let hit = ordered.first(where: { $0.action == .allow || $0.action == .deny }) else { return .none }
            func name(_ hit: Goldmane_PolicyHit) -> String { hit.namespace.isEmpty ? hit.name : hit.namespace + "/" + hit.name }
            return PolicyDecision(kind: PolicyKind(wire: hit.kind.rawValue).name, tier: hit.tier, policy: name(hit), rule: hit.ruleIndex,
                                  action: hit.action == .allow ? .allow : .deny,
                                  trigger: hit.hasTrigger ? PolicyKind(wire: hit.trigger.kind.rawValue).name + " " + name(hit.trigger) : "")
        }
        func labels(_ list: [String]) -> [String] { Set(list).sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) } }
        let wide = WideEdgeKey(key: FlowKeyView.from(key), srcLabel: nil, dstLabel: nil)
        return PolicyFlowIdentity(
            srcType: wide.srcType, srcNs: wide.srcNs, srcWorkload: wide.srcWorkload, srcLabels: labels(flow.sourceLabels),
            dstType: wide.dstType, dstNs: wide.dstNs, dstWorkload: wide.dstWorkload, dstLabels: labels(flow.destLabels),
            dstPort: key.destPort, proto: key.proto, reporter: wide.reporter, action: wide.action,
            enforced: decision(key.policies.enforcedPolicies), pending: decision(key.policies.pendingPolicies))
    }
}

extension FlowKeyView {
    /// The view of a generated FlowKey (the reference's own path to the normalisation).
    static func from(_ key: Goldmane_FlowKey) -> FlowKeyView {
        var view = FlowKeyView()
        view.sourceName = key.sourceName
        view.sourceNamespace = key.sourceNamespace
        view.sourceType = key.sourceType.rawValue
        view.destName = key.destName
        view.destNamespace = key.destNamespace
        view.destType = key.destType.rawValue
        view.destPort = key.destPort
        view.destServiceName = key.destServiceName
        view.destServiceNamespace = key.destServiceNamespace
        view.destServicePortName = key.destServicePortName
        view.destServicePort = key.destServicePort
        view.proto = key.proto
        view.reporter = key.reporter.rawValue
        view.action = key.action.rawValue
        return view
    }
}
