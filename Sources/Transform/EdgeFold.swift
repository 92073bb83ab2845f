import TrailFormat

/// The fold: archived items in, both projections out. Items arrive bucket by bucket
/// (`beginBucket`, `add`..., `endBucket`); within a bucket, a second copy of a FlowKey is a
/// duplicate and folded once. Memory grows with distinct FlowKeys and edges, never with items.
final class EdgeFold {
    struct Staged {
        var wide: Int32
        var start: Int64
        var end: Int64
        var counters: Counters
    }

    struct Counters: Equatable {
        var packetsIn, packetsOut, bytesIn, bytesOut, started, completed, live: Int64

        init(_ view: FlowRecordView) {
            packetsIn = view.packetsIn
            packetsOut = view.packetsOut
            bytesIn = view.bytesIn
            bytesOut = view.bytesOut
            started = view.connectionsStarted
            completed = view.connectionsCompleted
            live = view.connectionsLive
        }

        var isZero: Bool {
            packetsIn == 0 && packetsOut == 0 && bytesIn == 0 && bytesOut == 0 && started == 0 && completed == 0 && live == 0
        }

        /// Counter by counter, the larger: the same whichever copy came first.
        func maximum(_ other: Counters) -> Counters {
            var result = self
            result.packetsIn = max(packetsIn, other.packetsIn)
            result.packetsOut = max(packetsOut, other.packetsOut)
            result.bytesIn = max(bytesIn, other.bytesIn)
            result.bytesOut = max(bytesOut, other.bytesOut)
            result.started = max(started, other.started)
            result.completed = max(completed, other.completed)
            result.live = max(live, other.live)
            return result
        }
    }

    struct RefinedKey: Hashable {
        var key: Int32
        var srcLabel: String?
        var dstLabel: String?
    }

    static let needsLabels: Int32 = -1
    static let malformedKey: Int32 = -2

    let settings: TransformSettings
    private let labelName: [UInt8]

    private var keys = FlowKeyTable()
    private var keyWide: [Int32] = []
    private var keyLastBucket: [Int64] = []
    private var keyStagedSlot: [Int32] = []
    private var refinable: [Int32: (key: FlowKeyView, src: Bool, dst: Bool)] = [:]
    private var refined: [RefinedKey: Int32] = [:]

    private(set) var wideKeys: [WideEdgeKey] = []
    private var wideIndex: [WideEdgeKey: Int32] = [:]
    private(set) var totals: [EdgeTotals] = []
    private(set) var days: [[Int32]] = []

    private var bucket: Int64 = .min
    private var staged: [Staged] = []

    private(set) var items = ItemCounts()
    private(set) var dropped: [DropReason: Int64] = [:]

    init(settings: TransformSettings) {
        self.settings = settings
        labelName = Array(settings.serviceIdentityLabel.utf8)
    }

    func beginBucket(_ start: Int64) {
        bucket = start
    }

    /// Folds one record whose bucket start is the current bucket.
    @inline(__always)
    func add(record: UnsafeRawBufferPointer, view: FlowRecordView) {
        items.read += 1
        guard view.hasKey else { return drop(.malformed) }
        guard view.endTime > view.startTime else { return drop(.badBucketTime) }
        let (id, isNew) = keys.id(of: UnsafeRawBufferPointer(rebasing: record[view.keyRange]))
        if isNew { register(id, key: FlowKeyView(record, range: view.keyRange)) }
        var wide = keyWide[Int(id)]
        if wide == Self.malformedKey { return drop(.malformed) }
        if wide == Self.needsLabels { wide = refine(id, record: record, view: view) }
        let counters = Counters(view)
        if keyLastBucket[Int(id)] == bucket {
            mergeDuplicate(slot: Int(keyStagedSlot[Int(id)]), wide: wide, counters: counters)
            return
        }
        keyLastBucket[Int(id)] = bucket
        keyStagedSlot[Int(id)] = Int32(staged.count)
        staged.append(Staged(wide: wide, start: view.startTime, end: view.endTime, counters: counters))
    }

    /// Folds the current bucket's distinct items into the edge totals.
    func endBucket() {
        for item in staged {
            if item.counters.isZero {
                drop(.noTraffic)
                continue
            }
            let index = Int(item.wide)
            totals[index].firstSeen = min(totals[index].firstSeen, item.start)
            totals[index].lastSeen = max(totals[index].lastSeen, item.end)
            totals[index].flowCount += 1
            totals[index].connections += item.counters.started
            totals[index].packetsIn += item.counters.packetsIn
            totals[index].packetsOut += item.counters.packetsOut
            totals[index].bytesIn += item.counters.bytesIn
            totals[index].bytesOut += item.counters.bytesOut
            let day = Int32(truncatingIfNeeded: UTCTime.floorDivide(item.start, 86_400))
            if days[index].last != day {
                if let last = days[index].last, last > day {
                    days[index].append(day)
                    days[index].sort()
                } else {
                    days[index].append(day)
                }
            }
            items.folded += 1
        }
        staged.removeAll(keepingCapacity: true)
    }

    private func mergeDuplicate(slot: Int, wide: Int32, counters: Counters) {
        var item = staged[slot]
        if item.counters == counters && item.wide == wide {
            items.duplicates += 1
            return
        }
        items.conflictingDuplicates += 1
        item.counters = item.counters.maximum(counters)
        if wide != item.wide && WideEdgeKey.precedes(wideKeys[Int(wide)], wideKeys[Int(item.wide)]) {
            item.wide = wide
        }
        staged[slot] = item
    }

    private func drop(_ reason: DropReason) {
        dropped[reason, default: 0] += 1
    }

    private func register(_ id: Int32, key: FlowKeyView?) {
        keyLastBucket.append(.min)
        keyStagedSlot.append(-1)
        guard let key else {
            keyWide.append(Self.malformedKey)
            return
        }
        let refineSource = key.sourceType == 1 && settings.serviceIdentityNamespaces.contains(key.sourceNamespace)
        let refineDestination = key.destType == 1 && settings.serviceIdentityNamespaces.contains(key.destNamespace)
        if refineSource || refineDestination {
            refinable[id] = (key, refineSource, refineDestination)
            keyWide.append(Self.needsLabels)
        } else {
            keyWide.append(intern(WideEdgeKey(key: key, srcLabel: nil, dstLabel: nil)))
        }
    }

    /// The wide row for a key in a service-identity namespace: depends on the item's labels.
    private func refine(_ id: Int32, record: UnsafeRawBufferPointer, view: FlowRecordView) -> Int32 {
        let entry = refinable[id]!
        let srcLabel = entry.src ? view.labelValue(record, destination: false, name: labelName).map { String(decoding: $0, as: UTF8.self) } : nil
        let dstLabel = entry.dst ? view.labelValue(record, destination: true, name: labelName).map { String(decoding: $0, as: UTF8.self) } : nil
        let refinedKey = RefinedKey(key: id, srcLabel: srcLabel, dstLabel: dstLabel)
        if let wide = refined[refinedKey] { return wide }
        let wide = intern(WideEdgeKey(key: entry.key, srcLabel: srcLabel, dstLabel: dstLabel))
        refined[refinedKey] = wide
        return wide
    }

    private func intern(_ key: WideEdgeKey) -> Int32 {
        if let index = wideIndex[key] { return index }
        let index = Int32(wideKeys.count)
        wideKeys.append(key)
        wideIndex[key] = index
        totals.append(EdgeTotals())
        days.append([])
        return index
    }
}
