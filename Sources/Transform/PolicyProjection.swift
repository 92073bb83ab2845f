import TrailFormat

/// The policy projection, built alongside the edge projections by the same fold: one row per
/// observed flow identity (ends with their labels, port, protocol, reporter, verdict, and the
/// deciding hits of the enforced and pending traces) and UTC day. Memory grows with distinct
/// identities and days, never with items.
final class PolicyProjection {
    /// Per distinct FlowKey (by the fold's key id): everything of the identity but the labels.
    private var bases: [PolicyFlowIdentity?] = []
    /// Per key id, the last label set seen with it and the identity that gave (labels rarely change).
    @exclusivity(unchecked) private var lastLabels: [(labels: Int32, identity: Int32)] = []

    private let labelSets = ByteStringTable(capacity: 1 << 10)
    private var labelTexts: [(source: [String], destination: [String])] = []
    /// Scratch bytes for the label fields of one record.
    @exclusivity(unchecked) private var scratch: [UInt8] = []

    private(set) var identities: [PolicyFlowIdentity] = []
    private var identityIndex: [PolicyFlowIdentity: Int32] = [:]
    private var byKeyAndLabels: [Int64: Int32] = [:]

    // Rows: one per identity and day.
    @exclusivity(unchecked) private var identityLastRow: [(day: Int32, row: Int32)] = []
    private var rowIndex: [Int64: Int32] = [:]
    @exclusivity(unchecked) private(set) var rowIdentity: [Int32] = []
    @exclusivity(unchecked) private(set) var rowDay: [Int32] = []
    @exclusivity(unchecked) private(set) var rowTotals: [EdgeTotals] = []

    /// Registers the FlowKey of key id `id` (ids arrive in order 0, 1, 2...).
    func register(_ id: Int32, key: FlowKeyView?, record: UnsafeRawBufferPointer, keyRange: Range<Int>) {
        precondition(Int(id) == bases.count)
        lastLabels.append((-1, -1))
        guard let key else {
            bases.append(nil)
            return
        }
        let (enforced, pending) = PolicyTraceReader.decisions(record, key: keyRange)
        bases.append(PolicyFlowIdentity(
            srcType: EndpointNormalizer.endpointType(key.sourceType), srcNs: EndpointNormalizer.namespace(key.sourceNamespace) ?? "-",
            srcWorkload: key.sourceType == 1 ? EndpointNormalizer.workloadName(key.sourceName) : key.sourceName, srcLabels: [],
            dstType: EndpointNormalizer.endpointType(key.destType), dstNs: EndpointNormalizer.namespace(key.destNamespace) ?? "-",
            dstWorkload: key.destType == 1 ? EndpointNormalizer.workloadName(key.destName) : key.destName, dstLabels: [],
            dstPort: key.destPort, proto: key.proto, reporter: EndpointNormalizer.reporter(key.reporter),
            action: EndpointNormalizer.action(key.action), enforced: enforced, pending: pending))
    }

    /// The identity of one item of key id `id`: its FlowKey's base with the item's labels.
    @inline(__always)
    func identity(_ id: Int32, record: UnsafeRawBufferPointer, view: FlowRecordView) -> Int32 {
        let labels = labelSet(record, view: view)
        let last = lastLabels[Int(id)]
        if last.labels == labels { return last.identity }
        let cacheKey = Int64(id) << 32 | Int64(labels)
        if let known = byKeyAndLabels[cacheKey] {
            lastLabels[Int(id)] = (labels, known)
            return known
        }
        var identity = bases[Int(id)]!
        identity.srcLabels = labelTexts[Int(labels)].source
        identity.dstLabels = labelTexts[Int(labels)].destination
        let index: Int32
        if let existing = identityIndex[identity] {
            index = existing
        } else {
            index = Int32(identities.count)
            identities.append(identity)
            identityIndex[identity] = index
            identityLastRow.append((.min, -1))
        }
        byKeyAndLabels[cacheKey] = index
        lastLabels[Int(id)] = (labels, index)
        return index
    }

    /// Of two identities one item could have (a copy of it with other labels), the one the
    /// fold keeps: the same whichever came first.
    func preferred(_ a: Int32, _ b: Int32) -> Int32 {
        a == b ? a : (UTF8Order.precedes(identities[Int(a)].orderFields, identities[Int(b)].orderFields) ? a : b)
    }

    /// Counts one distinct item of `identity` in its day.
    @inline(__always)
    func add(_ identity: Int32, start: Int64, end: Int64, connections: Int64) {
        let day = Int32(truncatingIfNeeded: UTCTime.floorDivide(start, 86_400))
        var row: Int32
        let last = identityLastRow[Int(identity)]
        if last.day == day {
            row = last.row
        } else {
            let key = Int64(identity) << 32 | Int64(UInt32(bitPattern: day))
            if let known = rowIndex[key] {
                row = known
            } else {
                row = Int32(rowIdentity.count)
                rowIndex[key] = row
                rowIdentity.append(identity)
                rowDay.append(day)
                rowTotals.append(EdgeTotals())
            }
            identityLastRow[Int(identity)] = (day, row)
        }
        rowTotals[Int(row)].firstSeen = min(rowTotals[Int(row)].firstSeen, start)
        rowTotals[Int(row)].lastSeen = max(rowTotals[Int(row)].lastSeen, end)
        rowTotals[Int(row)].flowCount = EdgeTotals.add(rowTotals[Int(row)].flowCount, 1)
        rowTotals[Int(row)].connections = EdgeTotals.add(rowTotals[Int(row)].connections, connections)
    }

    /// The rows, sorted by day, then identity (byte-wise UTF-8).
    func rows() -> [PolicyFlowRow] {
        let order = identities.indices.sorted { UTF8Order.precedes(identities[$0].orderFields, identities[$1].orderFields) }
        var rank = [Int](repeating: 0, count: identities.count)
        for (position, index) in order.enumerated() { rank[index] = position }
        let rowOrder = rowIdentity.indices.sorted {
            rowDay[$0] != rowDay[$1] ? rowDay[$0] < rowDay[$1] : rank[Int(rowIdentity[$0])] < rank[Int(rowIdentity[$1])]
        }
        return rowOrder.map { row in
            let totals = rowTotals[row]
            return PolicyFlowRow(day: UTCTime.date(day: Int64(rowDay[row])), identity: identities[Int(rowIdentity[row])],
                                 firstSeen: totals.firstSeen, lastSeen: totals.lastSeen, flowCount: totals.flowCount,
                                 connections: totals.connections)
        }
    }

    /// The id of the item's label set: its `source_labels` and `dest_labels` fields, in order.
    @inline(__always)
    private func labelSet(_ record: UnsafeRawBufferPointer, view: FlowRecordView) -> Int32 {
        scratch.removeAll(keepingCapacity: true)
        var scanner = ProtoWire.Scanner(record, in: view.flowRange)
        while let field = scanner.next() {
            guard field.wireType == .lengthDelimited, field.number == 4 || field.number == 5 else { continue }
            let count = field.payload.count
            scratch.append(UInt8(field.number))
            scratch.append(UInt8(truncatingIfNeeded: count)); scratch.append(UInt8(truncatingIfNeeded: count >> 8))
            scratch.append(UInt8(truncatingIfNeeded: count >> 16)); scratch.append(UInt8(truncatingIfNeeded: count >> 24))
            scratch.append(contentsOf: UnsafeRawBufferPointer(rebasing: record[field.payload]))
        }
        let (id, isNew) = scratch.withUnsafeBytes { labelSets.id(of: $0) }
        if isNew { labelTexts.append(Self.decode(scratch)) }
        return id
    }

    /// The label set's texts, each list sorted (byte-wise) and without repeats.
    private static func decode(_ bytes: [UInt8]) -> (source: [String], destination: [String]) {
        var source: Set<String> = []
        var destination: Set<String> = []
        var position = 0
        while position + 5 <= bytes.count {
            let field = bytes[position]
            let count = Int(bytes[position + 1]) | Int(bytes[position + 2]) << 8 | Int(bytes[position + 3]) << 16 | Int(bytes[position + 4]) << 24
            let text = String(decoding: bytes[(position + 5)..<(position + 5 + count)], as: UTF8.self)
            if field == 4 { source.insert(text) } else { destination.insert(text) }
            position += 5 + count
        }
        let sorted = { (set: Set<String>) in set.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) } }
        return (sorted(source), sorted(destination))
    }
}
