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
