import ArgumentParser
import TrailSupport
import Capture
import Dispatch
import Foundation
import ObjectStore
import TrailFormat

struct CaptureCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "capture",
        abstract: "Capture a window of Goldmane's Flows.Stream, over mutual TLS, into one sealed segment.",
        discussion: """
            With --window (what the CronJob runs), each run first refills the archive's \
            gaps that Goldmane still holds, then takes the next window from where the \
            sealed windows end, so consecutive runs tile time: no gap, no duplicate. \
            --from/--to capture what no segment has captured yet of that range. A window \
            is 1m to 45m.

            Items are kept once by FlowKey and bucket, whatever the order they arrive \
            in. The window is read live while open; once its last bucket has rolled over \
            (plus --grace) it is settled by re-reading it from its start until a replay \
            adds nothing. Coverage claims only what was confirmed; the rest are gaps \
            with a reason code. Unsealed segments a crash left are recovered first. \
            SIGTERM or SIGINT seals what was confirmed and records the rest as a gap, \
            which the next run refills.

            Exit codes:
              0    captured, or nothing left to capture
              69   part of the window could not be read by its deadline (sealed,
                   with the gap, which the next run refills)
              74   the archive cannot be written (nothing is left behind)
              75   another capture is running on the archive
              76   the TLS handshake failed (the cause is named; nothing written)
              78   configuration: certificates, key, CA bundle or flags (nothing
                   written)
              130  stopped by SIGINT, 143 by SIGTERM (sealed, the rest a gap)
            """)

    @Option(help: "The archive: a directory, or s3://BUCKET/PREFIX (with --staging; keys and endpoint from AWS_*).")
    var archive: String

    @Option(help: "With an s3:// archive: the local directory segments are sealed in before upload (keep it across runs: a segment not uploaded yet is uploaded by the next run).")
    var staging: String?

    @Option(help: "Window length, 1m to 45m (15m, 900s): resume from the archive. The default.")
    var window: DurationArgument?

    @OptionGroup var range: WindowOptions<FromTo>

    /// `--from`/`--to`: an explicit window, both or neither.
    enum FromTo: WindowFlagRules {
        static var fromHelp: ArgumentHelp { "Explicit window start (RFC 3339 UTC or Unix seconds), with --to." }
        static var toHelp: ArgumentHelp { "Explicit window end." }
        static var pairing: WindowFlagPairing { .together }
        static var withinArchiveYears: Bool { false }
    }

    @Option(help: "Cluster name (env GOLDMANE_TRAIL_CLUSTER; default \"default\").")
    var cluster: String?

    @Option(help: "Goldmane host:port (env GOLDMANE_HOST; default goldmane.calico-system.svc:7443).")
    var host: String?

    @Option(help: "TLS server name (env GOLDMANE_SERVER_NAME; default: the host without its port).")
    var serverName: String?

    @Option(help: "Client certificate (env TLS_CERT_PATH).")
    var cert: String?

    @Option(help: "Client key (env TLS_KEY_PATH).")
    var key: String?

    @Option(help: "CA bundle to trust for Goldmane (env CA_CERT_PATH); # comment lines are fine.")
    var caCert: String?

    @Flag(help: "Plaintext, no TLS (env GOLDMANE_TLS_INSECURE=true). Goldmane never serves this; for tests only.")
    var insecure = false

    @Option(help: "Seconds to wait past a bucket's rollover for its items.")
    var grace: Int64 = 10

    /// `--from`/`--to` themselves are checked by `WindowOptions`.
    func validate() throws {
        if !(1...65_536).contains(maxBufferMib) { throw ValidationError("--max-buffer-mib must be 1 to 65536") }
        if range.isGiven && window != nil { throw ValidationError("give --window, or --from and --to, not both") }
        if let window, window.seconds % 15 != 0 { throw ValidationError("--window \(window): must be a multiple of 15 s (Goldmane's bucket)") }
        if let window, !(Self.windowRange).contains(window.seconds) {
            throw ValidationError("--window \(window): must be 1m to 45m (a window is settled by replaying it from its start, which must still be in Goldmane's one-hour ring)")
        }
        if let start = range.from?.seconds, let end = range.to?.seconds, end - start > Self.windowRange.upperBound {
            throw ValidationError("--from/--to: at most 45m at a time (a window is settled by replaying it from its start, which must still be in Goldmane's one-hour ring); split a longer range")
        }
        guard grace >= 0 else { throw ValidationError("--grace must not be negative") }
    }

    /// Window lengths that can be settled inside Goldmane's ring.
    static let windowRange: ClosedRange<Int64> = 60...2_700

    @Option(help: "The most memory (MiB) the stream buffers while the disk is behind; past it items are dropped and recorded as a gap. Keep it well under the container's memory limit.")
    var maxBufferMib: Int = 256

    @OptionGroup var job: JobOptions

    func run() async throws {
        try await job.run("capture") { metrics in try await capture(metrics) }
    }

    func capture(_ metrics: JobMetrics) async throws {
        let environment = ProcessInfo.processInfo.environment
        let insecure = self.insecure || ["1", "true", "yes"].contains(environment["GOLDMANE_TLS_INSECURE"]?.lowercased() ?? "")
        let endpoint: GoldmaneEndpoint
        do {
            endpoint = try GoldmaneEndpoint(
                hostPort: host ?? environment["GOLDMANE_HOST"] ?? GoldmaneEndpoint.defaultHost,
                serverName: serverName ?? environment["GOLDMANE_SERVER_NAME"],
                certificatePath: cert ?? environment["TLS_CERT_PATH"] ?? GoldmaneEndpoint.defaultCertificatePath,
                keyPath: key ?? environment["TLS_KEY_PATH"] ?? GoldmaneEndpoint.defaultKeyPath,
                caPath: caCert ?? environment["CA_CERT_PATH"] ?? GoldmaneEndpoint.defaultCAPath,
                insecure: insecure)
        } catch {
            throw fail(error.message, code: .config, cause: error)
        }
        if insecure {
            Diagnostics.warning("INSECURE: plaintext connection to \(endpoint.displayName), no TLS and no server authentication (GOLDMANE_TLS_INSECURE / --insecure). Goldmane itself always requires mutual TLS.")
        }
        let request: CaptureSession.WindowRequest
        if let from = range.from, let to = range.to {
            request = .range(from: from.seconds, to: to.seconds)
        } else {
            request = .length(window?.seconds ?? 900)
        }
        let stop = StopRequest()
        let signals = [(SIGTERM, "SIGTERM"), (SIGINT, "SIGINT")].map { number, name in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { stop.request(name) }
            source.resume()
            return source
        }
        defer { signals.forEach { $0.cancel() } }
        let clusterName = cluster ?? environment["GOLDMANE_TRAIL_CLUSTER"] ?? "default"
        var options = CaptureSession.Options(archive: archive, cluster: clusterName, endpoint: endpoint, window: request, grace: grace,
                                             maxBufferedBytes: maxBufferMib << 20)
        // An archive in a bucket: take the cluster's lock, upload what earlier runs left in
        // staging, capture into staging, then confirm the lock is still ours and upload.
        var bucket: (upload: SegmentUpload, lease: BucketLease)? = nil
        if RemoteArchives.isRemote(archive) {
            guard let staging else { throw fail("--archive \(archive) is a bucket: give --staging DIR, the local directory segments are sealed in before upload", code: .usage) }
            let location: S3Location
            let client: S3Client
            do throws(ObjectStoreError) {
                location = try S3Location(url: archive)
                client = S3Client(settings: try S3Settings.fromEnvironment())
            } catch {
                throw fail(error.message, code: error.exitStatus, cause: error)
            }
            let upload = SegmentUpload(client: client, location: location, staging: staging)
            let lease = try BucketLease.acquire(client: client, location: location, cluster: clusterName, now: Int64(Date().timeIntervalSince1970))
            bucket = (upload, lease)
            do {
                try upload.uploadStaged(cluster: clusterName) { Diagnostics.info($0) }
            } catch {
                lease.release()
                throw error
            }
            options.archive = staging
            options.remoteArchive = location.description
        }
        let renewal = bucket?.lease.renewing()
        defer {
            renewal?.cancel()
            bucket?.lease.release()
        }
        let session = CaptureSession(options: options, stop: stop, log: { Diagnostics.info($0) })
        let report = try await session.run()
        if let bucket {
            // Tests stop here, between seal and upload, to kill the run.
            PausePointHook.reach("sealed")
            try bucket.lease.confirm()
            try bucket.upload.uploadStaged(cluster: clusterName) { Diagnostics.info($0) }
        }
        var items: Int64 = 0
        var duplicates: Int64 = 0
        var reconnects: Int64 = 0
        var gapSeconds: Int64 = 0
        var lag = 0.0
        for sealed in report.sealed {
            let stats = sealed.footer.stats
            items += Int64(sealed.footer.recordCount)
            duplicates += stats["duplicates_dropped"] ?? 0
            reconnects += stats["reconnects"] ?? 0
            gapSeconds += sealed.footer.coverage.gaps.reduce(Int64(0)) { $0 + $1.to - $1.from }
            lag = max(lag, sealed.maxLag)
            let outside = stats["items_outside_window"] ?? 0
            print("sealed \(sealed.segment): \(sealed.footer.recordCount) items, \(stats["duplicates_dropped"] ?? 0) duplicates dropped, \(outside) outside the window, \(stats["reconnects"] ?? 0) reconnects, seal \(sealed.footer.seal.rawValue)")
            for gap in sealed.footer.coverage.gaps {
                Diagnostics.warning("gap \(UTCTime.rfc3339(gap.from)) to \(UTCTime.rfc3339(gap.to)): \(gap.reason)")
            }
        }
        if report.alreadyCaptured { print("nothing to capture: the archive already covers that window") }
        metrics.set("goldmane_trail_segments_sealed", report.sealed.count)
        metrics.set("goldmane_trail_segments_recovered", report.recovered.count)
        metrics.set("goldmane_trail_items_captured", items)
        metrics.set("goldmane_trail_duplicates_dropped", duplicates)
        metrics.set("goldmane_trail_reconnects", reconnects)
        metrics.set("goldmane_trail_gap_seconds", gapSeconds)
        metrics.set("goldmane_trail_capture_receive_lag_seconds", lag)
        if let requested = report.stoppedBy ?? stop.requested {
            throw ExitCode((requested == "SIGINT" ? ExitStatus.interrupted : .terminated).rawValue)
        }
        if let failure = report.sealed.compactMap(\.failure).last,
           report.sealed.contains(where: { !$0.footer.coverage.gaps.isEmpty }) {
            throw failure
        }
    }
}
