import Foundation
import TrailFormat

/// Policy rows of a window, summed per identity (without the pending decision unless asked).
package struct PolicyObservation: Sendable, Equatable {
    package var identity: PolicyFlowIdentity
    package var flows: Int64
    /// UTC days (YYYY-MM-DD) in the window with the row.
    package var days: [String]
    package var firstSeen: Int64
    package var lastSeen: Int64

    package init(identity: PolicyFlowIdentity, flows: Int64, days: [String], firstSeen: Int64, lastSeen: Int64) {
        self.identity = identity
        self.flows = flows
        self.days = days
        self.firstSeen = firstSeen
        self.lastSeen = lastSeen
    }
}

extension ReportStore {
    /// Whether `policy_flow` exists (a database migrated before 0008 does not have it until the
    /// next etl or migrate): reports that only add to what they say go on without it.
    package func hasPolicyProjection() throws(ReportError) -> Bool {
        try rows("SELECT to_regclass('policy_flow') IS NOT NULL").first?[0] == "t"
    }

    static let observationColumns = """
        src_type, src_ns, src_workload, json_build_object('s', src_labels, 'd', dst_labels)::text,
        dst_type, dst_ns, dst_workload, dst_port, proto, reporter, action,
        enforced_kind, enforced_tier, enforced_policy, enforced_rule, enforced_action, enforced_trigger
        """

    /// The policy rows of days that overlap `[start, end)` and whose times do, summed per
    /// identity, reporter, verdict and enforced decision; `pending` adds the pending decision
    /// to the grouping (without it, `pending` is `.none`).
    package func policyObservations(from start: Int64, to end: Int64, pending: Bool = false, sourceNamespace: String? = nil) throws(ReportError) -> [PolicyObservation] {
        let pendingColumns = pending ? ", pending_kind, pending_tier, pending_policy, pending_rule, pending_action, pending_trigger" : ""
        var sql = """
            SELECT \(Self.observationColumns)\(pendingColumns),
                   sum(flow_count)::bigint, array_agg(DISTINCT day ORDER BY day)::text,
                   extract(epoch FROM min(first_seen))::bigint, extract(epoch FROM max(last_seen))::bigint
            FROM policy_flow
            WHERE day BETWEEN (to_timestamp($1) AT TIME ZONE 'UTC')::date AND (to_timestamp($2) AT TIME ZONE 'UTC')::date
              AND last_seen > to_timestamp($1) AND first_seen < to_timestamp($2)
            """
        var parameters: [String?] = [String(start), String(end)]
        if let sourceNamespace {
            sql += " AND src_ns = $3"
            parameters.append(sourceNamespace)
        }
        let (clusters, bound) = scoped(parameters)
        sql += " AND \(clusters)"
        parameters = bound
        let groups = pending ? 23 : 17
        sql += " GROUP BY " + (1...groups).map(String.init).joined(separator: ", ")
        let decoder = JSONDecoder()
        return try rows(sql, parameters).map { (row) throws(ReportError) -> PolicyObservation in
            func text(_ index: Int) -> String { row[index] ?? "" }
            func number(_ index: Int) -> Int64 { Int64(row[index] ?? "") ?? 0 }
            func decision(_ at: Int, _ side: String) throws(ReportError) -> PolicyDecision {
                let action: FlowAction? = text(at + 4).isEmpty ? nil : try .stored(text(at + 4), column: "policy_flow.\(side)_action")
                return PolicyDecision(kind: text(at), tier: text(at + 1), policy: text(at + 2), rule: number(at + 3), action: action, trigger: text(at + 5))
            }
            let labels = try? decoder.decode([String: [String]].self, from: Data(text(3).utf8))
            let identity = PolicyFlowIdentity(
                srcType: try .stored(text(0), column: "policy_flow.src_type"), srcNs: text(1), srcWorkload: text(2), srcLabels: labels?["s"] ?? [],
                dstType: try .stored(text(4), column: "policy_flow.dst_type"), dstNs: text(5), dstWorkload: text(6), dstLabels: labels?["d"] ?? [],
                dstPort: number(7), proto: text(8), reporter: try .stored(text(9), column: "policy_flow.reporter"),
                action: try .stored(text(10), column: "policy_flow.action"),
                enforced: try decision(11, "enforced"), pending: pending ? try decision(17, "pending") : .none)
            let days = text(groups + 1).trimmingCharacters(in: CharacterSet(charactersIn: "{}")).split(separator: ",").map(String.init)
            return PolicyObservation(identity: identity, flows: number(groups), days: days, firstSeen: number(groups + 2), lastSeen: number(groups + 3))
        }
    }
}
