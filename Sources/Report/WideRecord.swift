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
