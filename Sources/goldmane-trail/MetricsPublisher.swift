import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import TrailFormat

/// Publishes a run's metrics: to a node-exporter textfile (replaced atomically, `AtomicFile`,
/// so the collector never reads half a file; a device or pipe is written to in place) and to
/// a Pushgateway at `PUSHGATEWAY_URL` (group `job="goldmane-trail", command=…`). A failure to
/// publish is logged and never changes the job's exit code.
enum MetricsPublisher {
    static let lastSuccess = "goldmane_trail_last_success_timestamp_seconds"

    static func publish(_ metrics: JobMetrics, file: String?, pushgateway: String?) async {
        if let file { writeTextfile(metrics, path: file) }
        if let pushgateway, !pushgateway.isEmpty { await push(metrics, to: pushgateway) }
    }

    /// The previous file's last-success time, when this run did not succeed.
    static func carriedLastSuccess(path: String, command: String) -> Double? {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix(lastSuccess + "{") && line.contains("command=\"\(command)\"") {
            if let value = line.split(separator: " ").last.flatMap({ Double($0) }) { return value }
        }
        return nil
    }

    static func writeTextfile(_ metrics: JobMetrics, path: String) {
        do throws(SegmentError) {
            try AtomicFile.write(Array(metrics.exposition().utf8), to: path)
        } catch {
            Diagnostics.warning("could not write the metrics file \(path): \(error)")
        }
    }

    static func push(_ metrics: JobMetrics, to base: String) async {
        let succeeded = metrics.value("goldmane_trail_last_run_success") == 1
        let trimmed = base.hasSuffix("/") ? String(base.dropLast()) : base
        guard let url = URL(string: "\(trimmed)/metrics/job/goldmane-trail/command/\(metrics.command)") else {
            Diagnostics.warning("PUSHGATEWAY_URL is not a URL; metrics not pushed")
            return
        }
        var request = URLRequest(url: url, timeoutInterval: 10)
        // POST replaces only the series it sends: a failed run leaves the last success in place.
        request.httpMethod = "POST"
        request.setValue("text/plain; version=0.0.4", forHTTPHeaderField: "Content-Type")
        request.httpBody = Data(metrics.exposition(excluding: succeeded ? [] : [lastSuccess]).utf8)
        do {
            let (_, response) = try await URLSession.shared.data(for: request)
            let status = (response as? HTTPURLResponse)?.statusCode ?? 0
            if !(200..<300).contains(status) { Diagnostics.warning("the Pushgateway answered HTTP \(status); metrics not pushed") }
        } catch {
            Diagnostics.warning("could not reach the Pushgateway; metrics not pushed")
        }
    }
}
