import ArgumentParser
import Foundation
import TrailSupport

/// What every job shares: where its metrics go and how it logs. A job's body runs inside
/// `run`, which times it, records success or failure with the exit code, and publishes the
/// metrics whatever happened.
struct JobOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Write Prometheus metrics to this file (node-exporter's textfile collector); replaced atomically. PUSHGATEWAY_URL also pushes them.", valueName: "path"))
    var metricsFile: String?

    @Option(help: "Log format on standard error: logfmt or json (default: GOLDMANE_TRAIL_LOG_FORMAT, else logfmt).")
    var logFormat: String?

    func validate() throws {
        if let logFormat, TrailLogHandler.Format(rawValue: logFormat) == nil {
            throw ValidationError("--log-format \(logFormat): expected logfmt or json")
        }
    }

    func run(_ command: String, _ body: (JobMetrics) async throws -> Void) async throws {
        let environment = ProcessInfo.processInfo.environment
        let format = logFormat.flatMap(TrailLogHandler.Format.init(rawValue:))
            ?? TrailLogHandler.Format(rawValue: environment["GOLDMANE_TRAIL_LOG_FORMAT"] ?? "") ?? .logfmt
        Log.use(format: format, command: command)
        let metrics = JobMetrics(command: command)
        let started = Date()
        var failure: (any Error)?
        do { try await body(metrics) } catch { failure = error }
        let ended = Date()
        let code = failure.map { ($0 as? any TrailError)?.exitStatus.rawValue ?? GoldmaneTrail.exitCode(for: $0).rawValue } ?? 0
        metrics.set("goldmane_trail_last_run_timestamp_seconds", ended.timeIntervalSince1970.rounded())
        metrics.set("goldmane_trail_last_run_duration_seconds", (ended.timeIntervalSince(started) * 1000).rounded() / 1000)
        metrics.set("goldmane_trail_last_run_exit_code", Int(code))
        metrics.set("goldmane_trail_last_run_success", code == 0 ? 1 : 0)
        if code == 0 {
            metrics.set(MetricsPublisher.lastSuccess, ended.timeIntervalSince1970.rounded())
        } else if let metricsFile, let previous = MetricsPublisher.carriedLastSuccess(path: metricsFile, command: command) {
            metrics.set(MetricsPublisher.lastSuccess, previous)
        }
        await MetricsPublisher.publish(metrics, file: metricsFile, pushgateway: environment["PUSHGATEWAY_URL"])
        if let failure { throw failure }
    }
}
