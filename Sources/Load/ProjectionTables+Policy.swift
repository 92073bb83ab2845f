extension ProjectionTables {
    /// The policy row's identity columns (with `day`, `flow_id` is the key).
    static let policyIdentity = [
        "src_type", "src_ns", "src_workload", "src_labels", "dst_type", "dst_ns", "dst_workload", "dst_labels", "dst_port", "proto",
        "reporter", "action", "enforced_kind", "enforced_tier", "enforced_policy", "enforced_rule", "enforced_action", "enforced_trigger",
        "pending_kind", "pending_tier", "pending_policy", "pending_rule", "pending_action", "pending_trigger",
    ]

    static let stagePolicy = """
        CREATE TEMP TABLE stage_policy (cluster text, day date, flow_id text, src_type text, src_ns text, src_workload text, src_labels text[],
            dst_type text, dst_ns text, dst_workload text, dst_labels text[], dst_port bigint, proto text, reporter text, action text,
            enforced_kind text, enforced_tier text, enforced_policy text, enforced_rule bigint, enforced_action text, enforced_trigger text,
            pending_kind text, pending_tier text, pending_policy text, pending_rule bigint, pending_action text, pending_trigger text,
            first_seen bigint, last_seen bigint, flow_count bigint, connections bigint)
            ON COMMIT DROP
        """

    /// The additive upsert of the staged policy rows, by cluster, day and flow identity.
    static var mergePolicy: String { mergePolicy(into: "policy_flow") }

    static func mergePolicy(into table: String) -> String {
        let columns = ["cluster", "day", "flow_id"] + Self.policyIdentity + ["first_seen", "last_seen", "flow_count", "connections"]
        let values = ["cluster", "day", "flow_id"] + Self.policyIdentity + ["to_timestamp(first_seen)", "to_timestamp(last_seen)", "flow_count", "connections"]
        return """
            INSERT INTO \(table) AS p (\(columns.joined(separator: ", ")))
            SELECT \(values.joined(separator: ", ")) FROM stage_policy
            ON CONFLICT (cluster, day, flow_id) DO UPDATE SET
                first_seen = LEAST(p.first_seen, EXCLUDED.first_seen),
                last_seen = GREATEST(p.last_seen, EXCLUDED.last_seen),
                flow_count = p.flow_count + EXCLUDED.flow_count,
                connections = p.connections + EXCLUDED.connections
            """
    }
}
