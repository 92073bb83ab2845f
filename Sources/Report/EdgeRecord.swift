/// One row of the `edge` table as the reports read it (times in Unix seconds).
public struct EdgeRecord: Sendable, Equatable {
    public var srcNs: String
    public var dstNs: String
    public var action: String
    public var firstSeen: Int64
    public var lastSeen: Int64
    public var flowCount: Int64
    public var connections: Int64
    public var bytesIn: Int64
    public var bytesOut: Int64

    public init(srcNs: String, dstNs: String, action: String, firstSeen: Int64, lastSeen: Int64, flowCount: Int64,
                connections: Int64 = 0, bytesIn: Int64 = 0, bytesOut: Int64 = 0) {
        self.srcNs = srcNs
        self.dstNs = dstNs
        self.action = action
        self.firstSeen = firstSeen
        self.lastSeen = lastSeen
        self.flowCount = flowCount
        self.connections = connections
        self.bytesIn = bytesIn
        self.bytesOut = bytesOut
    }

    init(row: [String?]) {
        func number(_ index: Int) -> Int64 { Int64(row[index] ?? "") ?? 0 }
        self.init(srcNs: row[0] ?? "", dstNs: row[1] ?? "", action: row[2] ?? "", firstSeen: number(3), lastSeen: number(4),
                  flowCount: number(5), connections: number(6), bytesIn: number(7), bytesOut: number(8))
    }

    /// The digest's order: denies first, then by first seen, then by names.
    static func digestOrder(_ a: EdgeRecord, _ b: EdgeRecord) -> Bool {
        let rankA = a.action == "deny" ? 0 : 1, rankB = b.action == "deny" ? 0 : 1
        if rankA != rankB { return rankA < rankB }
        return (a.firstSeen, a.srcNs, a.dstNs, a.action) < (b.firstSeen, b.srcNs, b.dstNs, b.action)
    }
}

/// One row of `edge_wide`, as much of it as the egress report needs.
public struct WideRecord: Sendable, Equatable {
    public var srcNs: String
    public var dstType: String
    public var dstNs: String
    public var dstIdentity: String
    public var dstPort: Int64
    public var proto: String
    public var action: String
    public var reporter: String
    public var firstSeen: Int64
    public var lastSeen: Int64
    public var flowCount: Int64
    public var days: [String]

    public init(srcNs: String, dstType: String, dstNs: String, dstIdentity: String, dstPort: Int64, proto: String, action: String,
                reporter: String, firstSeen: Int64, lastSeen: Int64, flowCount: Int64, days: [String]) {
        self.srcNs = srcNs
        self.dstType = dstType
        self.dstNs = dstNs
        self.dstIdentity = dstIdentity
        self.dstPort = dstPort
        self.proto = proto
        self.action = action
        self.reporter = reporter
        self.firstSeen = firstSeen
        self.lastSeen = lastSeen
        self.flowCount = flowCount
        self.days = days
    }

    init(row: [String?]) {
        func number(_ index: Int) -> Int64 { Int64(row[index] ?? "") ?? 0 }
        self.init(srcNs: row[0] ?? "", dstType: row[1] ?? "", dstNs: row[2] ?? "", dstIdentity: row[3] ?? "", dstPort: number(4),
                  proto: row[5] ?? "", action: row[6] ?? "", reporter: row[7] ?? "", firstSeen: number(8), lastSeen: number(9),
                  flowCount: number(10), days: (row[11] ?? "").split(separator: ",").map(String.init))
    }
}

/// A namespace pair with a verdict.
public struct NamespacePair: Sendable, Hashable, Comparable, Encodable {
    public var source: String
    public var destination: String
    public var action: String

    public static func < (a: NamespacePair, b: NamespacePair) -> Bool {
        (a.source, a.destination, a.action) < (b.source, b.destination, b.action)
    }
}
