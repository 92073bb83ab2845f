import Foundation
import Prometheus

/// One run's metrics, in Prometheus text exposition (swift-prometheus). Every series carries
/// `command` (capture, etl, digest, …). Batch jobs do not live long enough to be scraped, so
/// values are "last run" gauges, written to a node-exporter textfile or pushed to a Pushgateway.
final class JobMetrics: @unchecked Sendable {
    let command: String
    private var values: [String: Double] = [:]

    /// Every metric a job may write, with its help text (the alert rules use these names).
    static let help: [String: String] = [
        "goldmane_trail_last_run_timestamp_seconds": "When the last run of this command ended (Unix seconds).",
        "goldmane_trail_last_run_success": "1 if the last run of this command succeeded, 0 if it failed.",
        "goldmane_trail_last_run_exit_code": "The exit code of the last run of this command.",
        "goldmane_trail_last_run_duration_seconds": "How long the last run of this command took.",
        "goldmane_trail_last_success_timestamp_seconds": "When this command last succeeded (Unix seconds); kept across failed runs.",
        "goldmane_trail_items_captured": "Items the last capture wrote to its segment.",
        "goldmane_trail_duplicates_dropped": "Duplicate items the last capture dropped.",
        "goldmane_trail_gap_seconds": "Seconds of the last capture's window with no data (coverage gaps).",
        "goldmane_trail_reconnects": "Times the last capture reconnected to Goldmane.",
        "goldmane_trail_capture_receive_lag_seconds": "The worst lag of a live item behind its bucket's rollover in the last capture (Goldmane drops buckets for a reader 1 s behind).",
        "goldmane_trail_segments_sealed": "Segments the last capture sealed.",
        "goldmane_trail_segments_recovered": "Torn segments the last capture recovered from a crashed run.",
        "goldmane_trail_segments_corrupt": "Segments the last run found corrupt or refused.",
        "goldmane_trail_replay_missing_segments": "Loaded segments the last replay did not find in the archive (their days were kept as loaded).",
        "goldmane_trail_compacted_days": "Days the last compact folded into day segments.",
        "goldmane_trail_compacted_segments": "Segments the last compact replaced by day segments.",
        "goldmane_trail_pruned_segments": "Segments the last prune removed from the archive.",
        "goldmane_trail_segments_failed": "Segments that could not be loaded (etl: this run; health: rows in load_failures).",
        "goldmane_trail_segments_loaded": "Segments the last run loaded.",
        "goldmane_trail_segments_skipped": "Segments the last run skipped because the ledger already had them.",
        "goldmane_trail_items_loaded": "Items in the segments the last run loaded.",
        "goldmane_trail_edges_loaded": "Edge rows (namespace table) merged by the last run.",
        "goldmane_trail_wide_edges_loaded": "Wide edge rows merged by the last run.",
        "goldmane_trail_newest_data_timestamp_seconds": "End of the newest loaded data (Unix seconds).",
        "goldmane_trail_digest_new_edges": "New edges in the last digest's window.",
        "goldmane_trail_digest_posts": "1 if the last digest run posted to Slack.",
        "goldmane_trail_digest_failures": "1 if the last digest run failed to post.",
        "goldmane_trail_archive_newest_segment_end_timestamp_seconds": "End of the newest sealed segment's window (Unix seconds), as health saw it.",
        "goldmane_trail_health_fresh": "1 if the last health check found the archive and the database fresh.",
    ]

    init(command: String) { self.command = command }

    func set(_ name: String, _ value: Double) {
        precondition(Self.help[name] != nil, "undocumented metric \(name)")
        values[name] = value
    }

    func set(_ name: String, _ value: Int64) { set(name, Double(value)) }
    func set(_ name: String, _ value: Int) { set(name, Double(value)) }

    func value(_ name: String) -> Double? { values[name] }

    /// The exposition text, series sorted by name; `excluding` leaves names out (a failed run
    /// pushes without its last-success time, so the Pushgateway keeps the previous one).
    func exposition(excluding: Set<String> = []) -> String {
        let registry = PrometheusCollectorRegistry()
        for name in values.keys.sorted() where !excluding.contains(name) {
            let gauge = registry.makeGauge(descriptor: MetricNameDescriptor(metricName: name, unitName: "", helpText: Self.help[name] ?? ""),
                                           labels: [("command", command)])
            gauge.set(values[name] ?? 0)
        }
        return registry.emitToString()
    }
}
