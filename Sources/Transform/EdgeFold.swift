import TrailFormat

/// The fold: archived items in, the three projections out, each as pieces of one cluster's
/// UTC day. Items arrive bucket by bucket (`beginBucket`, `add`..., `endBucket`), buckets in
/// time order; within a bucket, a second copy of a FlowKey from the same cluster is a
/// duplicate and folded once (two clusters' byte-identical FlowKeys are two flows: the items
/// of one cluster arrive together within a bucket, `beginCluster`). Memory grows with
/// distinct FlowKeys and with edges per cluster and day, never with items.
final class EdgeFold {
    struct Staged {
        /// The item's key id: a key's `stagedSlot` is its item of this bucket when this is the key.
        var key: Int32
        var wide: Int32
        var policy: Int32
        var cluster: Int32
        /// The input group of the item (`beginGroup`); 0 when groups are not counted.
        var group: Int32
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

        /// No counter is negative or above `maxCounter`.
        @inline(__always)
        static func areSane(_ view: FlowRecordView) -> Bool {
            // As unsigned, a negative value is huge: one comparison per counter.
            let limit = UInt64(EdgeFold.maxCounter)
            return UInt64(bitPattern: view.packetsIn) <= limit && UInt64(bitPattern: view.packetsOut) <= limit
                && UInt64(bitPattern: view.bytesIn) <= limit && UInt64(bitPattern: view.bytesOut) <= limit
                && UInt64(bitPattern: view.connectionsStarted) <= limit && UInt64(bitPattern: view.connectionsCompleted) <= limit
                && UInt64(bitPattern: view.connectionsLive) <= limit
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

    /// A key in a service-identity namespace (its index in `refinables`), with the ids of its label values (0: none).
    struct RefinedKey: Hashable {
        var key: Int32
        var sourceLabel: Int32
        var destinationLabel: Int32
    }

    /// Which ends of a key its items' labels refine.
    struct RefinedEnds: OptionSet {
        let rawValue: UInt8
        static let source = RefinedEnds(rawValue: 1)
        static let destination = RefinedEnds(rawValue: 2)
    }

    /// The last refinement of a key (labels rarely change): its label ids and the row they gave.
    struct Refinement {
        var sourceLabel: Int32
        var destinationLabel: Int32
        var wide: Int32
    }

    /// A key in a service-identity namespace: its row depends on each item's labels.
    struct Refinable {
        var key: FlowKeyView
        var refines: RefinedEnds
        var lastRefinement: Refinement? = nil
    }

    /// Everything the fold keeps per distinct FlowKey, in 16 bytes (a million keys: 16 MB).
    struct KeyState {
        /// What the key's items fold into: a wide row (>= 0); `malformed` (its bytes are not
        /// a well-formed FlowKey: its items are dropped); or, at or below `refinableBase`, the
        /// index `refinableBase - row` of its `Refinable` (the row depends on the labels).
        var row: Int32
        /// Where the key's item of the current bucket and cluster is staged, when `staged[slot].key`
        /// is this key (`staged` holds the current bucket only); -1: never staged.
        var stagedSlot: Int32 = -1
        /// The raw label set of the key's last item (-1: none yet) and the policy identity it gave.
        var lastRawLabels: Int32 = -1
        var lastIdentity: Int32 = 0

        static let malformed: Int32 = -1
        static let refinableBase: Int32 = -2
    }

    let settings: TransformSettings
    private let labelName: [UInt8]
    /// The service-identity namespaces' bytes when all are ASCII (then an ASCII namespace is
    /// one of them exactly when its bytes are); nil sends every key the way of Strings.
    private let asciiServiceIdentityNamespaces: [[UInt8]]?

    /// A new key's wide row bytes (`WideRowBytes`).
    @exclusivity(unchecked) private var wideRowScratch: [UInt8] = []

    // Per distinct FlowKey (by id): its state.
    private var keys = ByteStringTable()
    /// Whether the frames' FlowKeys are hashed as they are parsed, for lookups made ahead:
    /// turned on once the key table outgrows the cache (`prefetchFromKeys`).
    let keyHashing = KeyHashing()
    static let prefetchFromKeys = 1 << 16
    @exclusivity(unchecked) private var keyStates: [KeyState] = []
    @exclusivity(unchecked) private var keyStatesAddress = PrefetchAddress()
    /// Keys in service-identity namespaces (`KeyState.row` <= `refinableBase`).
    @exclusivity(unchecked) private var refinables: [Refinable] = []
    /// The cluster the items now arriving belong to (an index into `clusterNames`).
    @exclusivity(unchecked) private var cluster: Int32 = 0
    /// The clusters' names, by index, in the order the merge met them.
    private(set) var clusterNames: [String] = []
    private var labelValues = ByteStringTable(capacity: 256)
    @exclusivity(unchecked) private var refined: [RefinedKey: Int32] = [:]

    /// The third projection: which policy decided each flow identity.
    let policy: PolicyProjection

    /// One cluster's UTC day of a wide row.
    struct Piece {
        var cluster: Int32
        var day: Int32
        var totals = EdgeTotals()
    }

    /// The wide rows' keys, by wide row.
    let wideKeys = WideKeyTable()
    /// Per wide row, its pieces in the order their days began (days ascend).
    @exclusivity(unchecked) private(set) var pieces: [[Piece]] = []

    @exclusivity(unchecked) private var bucket: Int64 = .min
    @exclusivity(unchecked) private var staged: [Staged] = []

    // Per input group (replay: segments whose data overlap, each group's ledger rows carrying
    // the row counts a fold of that group alone would give): the pieces each group touched.
    // A group's items of one cluster are contiguous in time, so each piece meets a group in
    // one run: marking the piece with the last group that touched it counts each once.
    private let countsGroups: Bool
    @exclusivity(unchecked) private var group: Int32 = 0
    @exclusivity(unchecked) private var pieceGroups: [[Int32]] = []
    @exclusivity(unchecked) private(set) var groupPieces: [[(wide: Int32, day: Int32)]] = []

    @exclusivity(unchecked) private(set) var items = ItemCounts()
    @exclusivity(unchecked) private(set) var dropped: [DropReason: Int64] = [:]

    /// `groups`: how many input groups to count rows for (`beginGroup`, `groupRowCounts`); 0: none.
    init(settings: TransformSettings, groups: Int = 0) {
        self.settings = settings
        labelName = Array(settings.serviceIdentityLabel.utf8)
        policy = PolicyProjection(wideKeys: wideKeys)
        let namespaces = settings.serviceIdentityNamespaces.sorted().map { Array($0.utf8) }
        asciiServiceIdentityNamespaces = namespaces.allSatisfy { $0.allSatisfy { $0 < 0x80 } } ? namespaces : nil
        countsGroups = groups > 0
        groupPieces = Array(repeating: [], count: groups)
    }

    /// The items that follow are of input group `index` (only when the fold counts groups).
    func beginGroup(_ index: Int32) {
        group = index
    }

    /// Every item is in (`endBucket` done): the tables only adding items needs (per FlowKey
    /// and per raw bytes) go before the projections are made.
    func releaseItemTables() {
        keys = ByteStringTable(capacity: 16)
        keyStates = []
        wideRowScratch = []
        wideKeys.finish()
        refinables = []
        labelValues = ByteStringTable(capacity: 16)
        refined = [:]
        staged = []
        policy.releaseItemTables()
    }

    func beginBucket(_ start: Int64) {
        bucket = start
    }

    /// The index of cluster `name` (assigned on first sight).
    func clusterIndex(_ name: String) -> Int32 {
        if let index = clusterNames.firstIndex(of: name) { return Int32(index) }
        clusterNames.append(name)
        return Int32(clusterNames.count - 1)
    }

    /// The items that follow, until the next call, are of cluster `index` (`clusterIndex`).
    /// Within a bucket each cluster's items must arrive together.
    func beginCluster(_ index: Int32) {
        cluster = index
    }

    /// Folds one record whose bucket start is the current bucket; `keyHash` is its FlowKey's
    /// `KeyHash` when the parsing thread made it (else it is made here).
    @inline(__always)
    func add(record: UnsafeRawBufferPointer, view: FlowRecordView, keyHash: UInt64? = nil) {
        items.read += 1
        lastDropped = nil
        guard view.hasKey else { return drop(.malformed) }
        guard view.endTime > view.startTime else { return drop(.badBucketTime) }
        guard Counters.areSane(view) else { return drop(.badCounters) }
        let key = UnsafeRawBufferPointer(rebasing: record[view.keyRange])
        let (id, isNew) = keys.id(of: key, hash: keyHash ?? KeyHash.of(key))
        if isNew {
            register(id, record: record, keyRange: view.keyRange)
            policy.register(id, record: record, keyRange: view.keyRange)
            keyStatesAddress.follow(keyStates)
            if keys.count == Self.prefetchFromKeys { keyHashing.turnOn() }
        }
        let state = keyStates[Int(id)]
        let wide: Int32
        if state.row >= 0 {
            wide = state.row
        } else if state.row == KeyState.malformed {
            return drop(.malformed)
        } else {
            wide = refine(Int(KeyState.refinableBase - state.row), record: record, view: view)
        }
        let rawLabels = policy.rawLabelSet(record, view: view)
        let policyIdentity: Int32
        if state.lastRawLabels == rawLabels {
            policyIdentity = state.lastIdentity
        } else {
            policyIdentity = policy.identity(id, rawLabels: rawLabels, wide: wide, wideKey: wideKeys[wide])
            keyStates[Int(id)].lastRawLabels = rawLabels
            keyStates[Int(id)].lastIdentity = policyIdentity
        }
        let counters = Counters(view)
        let slot = Int(state.stagedSlot)
        if slot >= 0 && slot < staged.count && staged[slot].key == id && staged[slot].cluster == cluster {
            mergeDuplicate(slot: slot, wide: wide, policy: policyIdentity, counters: counters)
            return
        }
        keyStates[Int(id)].stagedSlot = Int32(staged.count)
        staged.append(Staged(key: id, wide: wide, policy: policyIdentity, cluster: cluster, group: group, start: view.startTime, end: view.endTime,
                             counters: counters))
    }

    // A lookup made ahead of time, in three stages (`SegmentCursor.prefetchAhead`): hints only.

    @inline(__always)
    func prefetch(slotOf keyHash: UInt64) { keys.prefetchSlot(hash: keyHash) }

    @inline(__always)
    func prefetch(entryOf keyHash: UInt64) {
        let id = Int(keys.prefetchEntry(hash: keyHash))
        if id >= 0 { keyStatesAddress.prefetch(id, of: KeyState.self) }
    }

    @inline(__always)
    func prefetch(bytesOf keyHash: UInt64) { keys.prefetchBytes(hash: keyHash) }

    /// Folds the current bucket's distinct items into their pieces (the bucket's cluster and day).
    func endBucket() {
        // Every item of the bucket starts at the bucket: one UTC day for all of them.
        let day = Int32(truncatingIfNeeded: UTCTime.floorDivide(bucket, 86_400))
        for item in staged {
            if item.counters.isZero {
                drop(.noTraffic)
                continue
            }
            let index = Int(item.wide)
            let slot = pieceSlot(index, cluster: item.cluster, day: day)
            pieces[index][slot].totals.count(start: item.start, end: item.end, counters: item.counters)
            if countsGroups && pieceGroups[index][slot] != item.group {
                pieceGroups[index][slot] = item.group
                groupPieces[Int(item.group)].append((item.wide, day))
            }
            policy.add(item.policy, cluster: item.cluster, day: day, start: item.start, end: item.end, connections: item.counters.started)
            items.folded += 1
        }
        staged.removeAll(keepingCapacity: true)
    }

    /// The slot of wide row `index`'s piece of (`cluster`, `day`), made when new. Buckets
    /// arrive in time order, so the current day's pieces are the last ones (one per cluster).
    @inline(__always)
    private func pieceSlot(_ index: Int, cluster: Int32, day: Int32) -> Int {
        var slot = pieces[index].count - 1
        if slot >= 0, pieces[index][slot].day == day, pieces[index][slot].cluster == cluster { return slot }  // one cluster: always here
        while slot >= 0 && pieces[index][slot].day == day {
            if pieces[index][slot].cluster == cluster { return slot }
            slot -= 1
        }
        pieces[index].append(Piece(cluster: cluster, day: day))
        if countsGroups { pieceGroups[index].append(-1) }
        return pieces[index].count - 1
    }

    private func mergeDuplicate(slot: Int, wide: Int32, policy identity: Int32, counters: Counters) {
        var item = staged[slot]
        if identity != item.policy {
            // A copy with other labels: the identity kept does not depend on the order.
            item.policy = policy.preferred(item.policy, identity)
            staged[slot] = item
        }
        if item.counters == counters && item.wide == wide {
            items.duplicates += 1
            return
        }
        items.conflictingDuplicates += 1
        item.counters = item.counters.maximum(counters)
        if wide != item.wide && WideEdgeKey.precedes(wideKeys[wide], wideKeys[item.wide]) {
            item.wide = wide
        }
        staged[slot] = item
    }

    private func drop(_ reason: DropReason) {
        dropped[reason, default: 0] += 1
        lastDropped = reason
    }

    /// Why the last `add` dropped its item, or nil when it was folded (or staged).
    @exclusivity(unchecked) private(set) var lastDropped: DropReason? = nil

    /// Names where the item the last `add` dropped as malformed is (the first few only).
    func locateMalformed(at location: RecordLocation) {
        if locatedDrops.count < Self.maxLocatedDrops {
            locatedDrops.append("\(location): \(DropReason.malformed.rawValue): no well-formed FlowKey (UTF-8 strings) in this FlowResult")
        }
    }

    /// The largest counter one item may carry: 2^40 (a terabyte, or a trillion packets, in 15 s).
    static let maxCounter: Int64 = 1 << 40
    /// How many dropped records are named with their location (the rest are only counted).
    static let maxLocatedDrops = 20
    /// The first dropped records, where they are and why.
    @exclusivity(unchecked) fileprivate(set) var locatedDrops: [String] = []

    /// Per input path: the bucket span of its records that passed the checks.
    @exclusivity(unchecked) private(set) var dataRanges: [String: (minStart: Int64?, maxEnd: Int64?)] = [:]

    func noteDataRange(path: String, minStart: Int64?, maxEnd: Int64?) {
        dataRanges[path] = (minStart, maxEnd)
    }

    /// A record left out before it reached the fold (not a FlowResult, or bucket times that are
    /// not sane): counted as read and dropped, and located for the first few.
    func dropRecord(_ reason: DropReason, at location: RecordLocation, detail: String) {
        items.read += 1
        drop(reason)
        if locatedDrops.count < Self.maxLocatedDrops {
            locatedDrops.append("\(location): \(reason.rawValue): \(detail)")
        }
    }

    /// Registers new key `id`: an ASCII key no label refines finds its wide row by its bytes
    /// (`WideRowBytes`), Strings being made only for a new wide row; any other goes the way of Strings.
    private func register(_ id: Int32, record: UnsafeRawBufferPointer, keyRange: Range<Int>) {
        if let key = FlowKeyBytes(record, range: keyRange), key.isASCII, let identityNamespaces = asciiServiceIdentityNamespaces,
           !isRefined(type: key.sourceType, namespace: key.sourceNamespace, record: record, among: identityNamespaces),
           !isRefined(type: key.destType, namespace: key.destNamespace, record: record, among: identityNamespaces) {
            let count = WideRowBytes.encode(key, record: record, keyLength: keyRange.count, into: &wideRowScratch)
            let (wide, isNew) = wideRowScratch.withUnsafeBytes { wideKeys.id(encoded: UnsafeRawBufferPointer(rebasing: $0[0..<count])) }
            if isNew { addWideRow() }
            keyStates.append(KeyState(row: wide))
            return
        }
        register(id, key: FlowKeyView(record, range: keyRange))
    }

    /// A workload end in one of `namespaces` (its row depends on its labels).
    @inline(__always)
    private func isRefined(type: Int, namespace: Range<Int>, record: UnsafeRawBufferPointer, among namespaces: [[UInt8]]) -> Bool {
        guard EndpointType(wire: type).isWorkload else { return false }
        let bytes = UnsafeRawBufferPointer(rebasing: record[namespace])
        return namespaces.contains { $0.elementsEqual(bytes) }
    }

    private func register(_ id: Int32, key: FlowKeyView?) {
        guard let key else {
            keyStates.append(KeyState(row: KeyState.malformed))
            return
        }
        var refines: RefinedEnds = []
        if EndpointType(wire: key.sourceType).isWorkload && settings.serviceIdentityNamespaces.contains(key.sourceNamespace) {
            refines.insert(.source)
        }
        if EndpointType(wire: key.destType).isWorkload && settings.serviceIdentityNamespaces.contains(key.destNamespace) {
            refines.insert(.destination)
        }
        if refines.isEmpty {
            keyStates.append(KeyState(row: intern(WideEdgeKey(key: key, srcLabel: nil, dstLabel: nil))))
        } else {
            keyStates.append(KeyState(row: KeyState.refinableBase - Int32(refinables.count)))
            refinables.append(Refinable(key: key, refines: refines))
        }
    }

    /// The wide row for a key in a service-identity namespace (`refinables[index]`): depends on the item's labels.
    private func refine(_ index: Int, record: UnsafeRawBufferPointer, view: FlowRecordView) -> Int32 {
        let refines = refinables[index].refines
        let srcRange = refines.contains(.source) ? view.labelValueRange(record, destination: false, name: labelName) : nil
        let dstRange = refines.contains(.destination) ? view.labelValueRange(record, destination: true, name: labelName) : nil
        let srcLabel = srcRange.map { labelValues.id(of: UnsafeRawBufferPointer(rebasing: record[$0])).id + 1 } ?? 0
        let dstLabel = dstRange.map { labelValues.id(of: UnsafeRawBufferPointer(rebasing: record[$0])).id + 1 } ?? 0
        if let last = refinables[index].lastRefinement, last.sourceLabel == srcLabel, last.destinationLabel == dstLabel {
            return last.wide
        }
        let refinedKey = RefinedKey(key: Int32(index), sourceLabel: srcLabel, destinationLabel: dstLabel)
        let wide: Int32
        if let known = refined[refinedKey] {
            wide = known
        } else {
            let text = { (range: Range<Int>?) in range.map { String(decoding: UnsafeRawBufferPointer(rebasing: record[$0]), as: UTF8.self) } }
            wide = intern(WideEdgeKey(key: refinables[index].key, srcLabel: text(srcRange), dstLabel: text(dstRange)))
            refined[refinedKey] = wide
        }
        refinables[index].lastRefinement = Refinement(sourceLabel: srcLabel, destinationLabel: dstLabel, wide: wide)
        return wide
    }

    private func intern(_ key: WideEdgeKey) -> Int32 {
        let (index, isNew) = wideKeys.id(of: key)
        if isNew { addWideRow() }
        return index
    }

    /// A new wide row's tables.
    private func addWideRow() {
        pieces.append([])
        if countsGroups { pieceGroups.append([]) }
    }
}

extension EdgeTotals {
    /// Counts one distinct item: its bucket, a flow, and its counters (one access to the totals).
    @inline(__always)
    mutating func count(start: Int64, end: Int64, counters: EdgeFold.Counters) {
        firstSeen = min(firstSeen, start)
        lastSeen = max(lastSeen, end)
        flowCount = Self.add(flowCount, 1)
        connections = Self.add(connections, counters.started)
        packetsIn = Self.add(packetsIn, counters.packetsIn)
        packetsOut = Self.add(packetsOut, counters.packetsOut)
        bytesIn = Self.add(bytesIn, counters.bytesIn)
        bytesOut = Self.add(bytesOut, counters.bytesOut)
    }
}
