import TrailFormat

extension CopyText {
    static func policy(_ rows: [PolicyFlowRow]) -> [UInt8] {
        var copy = CopyText()
        for row in rows {
            let identity = row.identity
            copy.field(row.cluster); copy.field(row.day); copy.field(row.flowID)
            copy.field(identity.srcType); copy.field(identity.srcNs); copy.field(identity.srcWorkload); copy.textArray(identity.srcLabels)
            copy.field(identity.dstType); copy.field(identity.dstNs); copy.field(identity.dstWorkload); copy.textArray(identity.dstLabels)
            copy.field(identity.dstPort); copy.field(identity.proto); copy.field(identity.reporter); copy.field(identity.action)
            for decision in [identity.enforced, identity.pending] {
                copy.field(decision.kind); copy.field(decision.tier); copy.field(decision.policy)
                copy.field(decision.rule); copy.field(decision.action?.rawValue ?? ""); copy.field(decision.trigger)
            }
            copy.field(row.firstSeen); copy.field(row.lastSeen); copy.field(row.flowCount); copy.field(row.connections)
            copy.endRow()
        }
        return copy.bytes
    }

    /// A PostgreSQL array literal of any texts: every element double-quoted, with `"` and `\`
    /// backslash-escaped (array syntax); `field` then escapes the whole for COPY.
    mutating func textArray(_ values: [String]) {
        let elements = values.map { value in
            var quoted = "\""
            for scalar in value.unicodeScalars {
                if scalar == "\"" || scalar == "\\" { quoted.unicodeScalars.append("\\") }
                quoted.unicodeScalars.append(scalar)
            }
            return quoted + "\""
        }
        field("{" + elements.joined(separator: ",") + "}")
    }
}
