import TrailFormat

/// Rows in COPY's text format: tab-separated, newline-terminated, with backslash escapes,
/// so that any name (tabs, newlines, backslashes, quotes, unicode) arrives intact.
struct CopyText {
    private(set) var bytes: [UInt8] = []

    mutating func field(_ text: String) {
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\\"): bytes += [UInt8(ascii: "\\"), UInt8(ascii: "\\")]
            case UInt8(ascii: "\t"): bytes += [UInt8(ascii: "\\"), UInt8(ascii: "t")]
            case UInt8(ascii: "\n"): bytes += [UInt8(ascii: "\\"), UInt8(ascii: "n")]
            case UInt8(ascii: "\r"): bytes += [UInt8(ascii: "\\"), UInt8(ascii: "r")]
            default: bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "\t"))
    }

    /// A vocabulary value (action, endpoint type, reporter) as the tables write it.
    mutating func field<Word: RawRepresentable<String>>(_ word: Word) {
        field(word.rawValue)
    }

    mutating func field(_ number: Int64) {
        bytes += Array(String(number).utf8)
        bytes.append(UInt8(ascii: "\t"))
    }

    mutating func endRow() {
        if bytes.last == UInt8(ascii: "\t") { bytes.removeLast() }
        bytes.append(UInt8(ascii: "\n"))
    }

    static func edges(_ rows: [EdgeRow]) -> [UInt8] {
        var copy = CopyText()
        for row in rows {
            copy.field(row.cluster); copy.field(row.day ?? ""); copy.field(row.srcNs); copy.field(row.dstNs); copy.field(row.action)
            copy.totals(row.totals)
            copy.endRow()
        }
        return copy.bytes
    }

    static func wide(_ rows: [WideEdgeRow]) -> [UInt8] {
        var copy = CopyText()
        for row in rows {
            copy.field(row.cluster); copy.field(row.days.first ?? ""); copy.field(row.srcType); copy.field(row.srcNs); copy.field(row.srcIdentity); copy.field(row.srcWorkload)
            copy.field(row.dstType); copy.field(row.dstNs); copy.field(row.dstIdentity); copy.field(row.dstWorkload)
            copy.field(row.dstService); copy.field(row.dstPort); copy.field(row.proto); copy.field(row.action); copy.field(row.reporter)
            copy.totals(row.totals)
            copy.endRow()
        }
        return copy.bytes
    }

    private mutating func totals(_ totals: EdgeTotals) {
        field(totals.firstSeen); field(totals.lastSeen); field(totals.flowCount); field(totals.connections)
        field(totals.packetsIn); field(totals.packetsOut); field(totals.bytesIn); field(totals.bytesOut)
    }
}
