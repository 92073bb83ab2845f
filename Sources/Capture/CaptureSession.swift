import Foundation
import TrailFormat

/// One capture run: recover what a crash left, decide the windows (gaps still refillable,
/// then the next window; or the missing parts of an explicit window), capture each, and seal
/// one segment per window with coverage that claims only what was confirmed.
package struct CaptureSession: Sendable {
    package struct Options: Sendable {
        package var archive: String
        package var cluster: String
        package var endpoint: GoldmaneEndpoint
        /// `.length(seconds)` resumes from the archive; `.range(from, to)` is explicit.
        package var window: WindowRequest
        /// Seconds past a bucket's rollover to wait for its items.
        package var grace: Int64
        /// The most item bytes one window holds in memory.
        package var maxBufferedBytes: Int
        /// A remote archive (`s3://BUCKET/PREFIX`) whose segments say what is captured
        /// already; `archive` is then the local staging directory segments are sealed in,
        /// and uploaded from (`SegmentUpload`).
        package var remoteArchive: String? = nil
        package init(archive: String, cluster: String, endpoint: GoldmaneEndpoint, window: WindowRequest, grace: Int64,
                     maxBufferedBytes: Int = 256 << 20) {
            self.maxBufferedBytes = maxBufferedBytes
            self.archive = archive
            self.cluster = cluster
            self.endpoint = endpoint
            self.window = window
            self.grace = grace
        }
    }

    package enum WindowRequest: Sendable {
        case length(Int64)
        case range(from: Int64, to: Int64)
    }

    /// One sealed segment.
    package struct Sealed: Sendable {
        package var segment: String
        package var window: CaptureWindow
        package var footer: SegmentFooter
        /// The failure that left part of the window uncaptured, if one did.
        package var failure: CaptureError?
        /// The worst receive lag of live items, in seconds.
        package var maxLag: Double
    }

    package struct Report: Sendable {
        package var sealed: [Sealed]
        package var recovered: [String]
        /// The signal that stopped the run, if one did.
        package var stoppedBy: String?
        /// Set when an explicit window was already wholly captured (nothing to do).
        package var alreadyCaptured: Bool
    }

    package let options: Options
    let stop: StopRequest
    let log: @Sendable (String) -> Void

    package init(options: Options, stop: StopRequest, log: @escaping @Sendable (String) -> Void) {
        self.options = options
        self.stop = stop
        self.log = log
    }

    package func run() async throws(CaptureError) -> Report {
        let now = Int64(Date().timeIntervalSince1970)
        let lock = try ArchiveLock(archive: options.archive, cluster: options.cluster)
        defer { withExtendedLifetime(lock) {} }
        let recovered = try ArchiveState.recoverUnsealed(archive: options.archive, cluster: options.cluster, now: now)
        recovered.forEach(log)
        // Certificates, key and CA bundle are checked before anything is read or written.
        let client = try GoldmaneStreamClient(endpoint: options.endpoint)
        let state: ArchiveState
        let taken: Set<String>
        do throws(SegmentError) {
        if let remote = options.remoteArchive {
            // Goldmane's ring is an hour: segments whose windows ended two rings ago are not opened.
            state = try ArchiveState.read(archive: remote, cluster: options.cluster, since: now - 2 * BucketClock.ringSeconds)
            let staged = try ArchiveState.read(archive: options.archive, cluster: options.cluster).paths
            // Names taken in the bucket, as the staging paths that would upload to them.
            taken = staged.union(state.paths.map { ArchivePath.join(options.archive, String($0.dropFirst(remote.count + 1))) })
        } else {
            state = try ArchiveState.read(archive: options.archive, cluster: options.cluster)
            taken = state.paths
        }
        } catch {
            throw CaptureError(.upload(error.exitStatus), "cannot read what \(options.remoteArchive ?? options.archive) holds already: \(error.description); nothing captured", cause: error)
        }
        let windows = CapturePlan.windows(for: options.window, state: state, now: now)
        var report = Report(sealed: [], recovered: recovered, stoppedBy: nil, alreadyCaptured: windows.isEmpty)
        if windows.isEmpty {
            log("that window is already captured: nothing to do")
            return report
        }
        let outcome: Result<[Sealed], CaptureError>
        do {
            outcome = .success(try await client.withConnection { connection in
                try await captureAll(windows, connection: connection, taken: taken)
            })
        } catch let error as CaptureError {
            outcome = .failure(error)
        } catch {
            outcome = .failure(StreamFailure.describe(error, endpoint: options.endpoint))
        }
        if case .failure(let failure) = outcome { throw await StreamFailure.refine(failure, endpoint: options.endpoint) }
        report.sealed = try outcome.get()
        report.stoppedBy = stop.requested
        return report
    }

    /// Captures the windows in turn; stops after one a signal interrupted.
    private func captureAll(_ windows: [CaptureWindow], connection: GoldmaneConnection, taken: Set<String>) async throws -> [Sealed] {
        var taken = taken
        var sealed: [Sealed] = []
        // The ids of the archive's last hour: a key that comes back with another id proves a
        // restart between this run and the last.
        var knownIds: [[UInt8]: KnownId]
        do throws(SegmentError) {
            knownIds = try RecentFlowIds.load(archive: options.remoteArchive ?? options.archive, cluster: options.cluster,
                                              now: Int64(Date().timeIntervalSince1970))
        } catch {
            throw CaptureError(.upload(error.exitStatus), "cannot read the last hour of \(options.remoteArchive ?? options.archive): \(error.description); nothing captured", cause: error)
        }
        for window in windows where stop.requested == nil {
            sealed.append(try await capture(window, connection: connection, taken: &taken, knownIds: &knownIds))
        }
        return sealed
    }

    private func capture(_ window: CaptureWindow, connection: GoldmaneConnection, taken: inout Set<String>,
                         knownIds: inout [[UInt8]: KnownId]) async throws(CaptureError) -> Sealed {
        for gap in window.gaps { log("gap \(UTCTime.rfc3339(gap.from)) to \(UTCTime.rfc3339(gap.to)): \(gap.reason)") }
        log("capturing \(options.cluster) \(UTCTime.rfc3339(window.captureFrom)) to \(UTCTime.rfc3339(window.end)) from \(options.endpoint.displayName)")
        let collector = WindowCollector(window: window, maxBufferedBytes: options.maxBufferedBytes, log: log)
        collector.seedKnownIds(knownIds)
        let read = StreamRead(connection: connection, collector: collector, stop: stop)
        let outcome = try await WindowCapture(window: window, grace: options.grace, reads: StreamReads(stream: read, collector: collector), log: log).run()
        knownIds = collector.knownIds

        var gaps = outcome.gaps
        for bucket in collector.lossyBuckets.sorted() where !gaps.contains(where: { $0.from <= bucket && bucket < $0.to }) {
            gaps.append(.init(from: bucket, to: bucket + BucketClock.bucketSeconds, reason: .bufferFull,
                              detail: "items dropped at the memory bound (--max-buffer-mib)"))
        }
        gaps.sort { $0.from < $1.from }
        let refillable = gaps.filter(\.reason.isRefillable)
        let records = collector.records { bucket in refillable.contains { $0.from <= bucket && bucket < $0.to } }
        let captured = TimeRanges.subtract([TimeRange(from: window.start, to: window.end)], gaps.map { TimeRange(from: $0.from, to: $0.to) })
        var stats = collector.stats
        stats["reconnects"] = Int64(outcome.reconnects)
        stats["reads"] = Int64(outcome.reads)
        stats["goldmane_restarts"] = Int64(outcome.restarts)
        stats["items_written"] = Int64(records.count)
        stats["receive_lag_max_ms"] = Int64(collector.maxLag * 1000)
        let coverage = Coverage(captured: captured, gaps: gaps.map { Coverage.Gap(from: $0.from, to: $0.to, reason: $0.reason.text($0.detail)) })
        let path = uniquePath(for: window, taken: &taken)
        let footer = try SegmentFiling.write(
            records, to: path, window: window, cluster: options.cluster, endpoint: options.endpoint.displayName,
            seal: outcome.stoppedBy == nil ? .complete : .interrupted, coverage: coverage, stats: stats)
        return Sealed(segment: path, window: window, footer: footer, failure: outcome.failure, maxLag: collector.maxLag)
    }

    /// The segment's path: its window's name, with `.1`, `.2`, ... before `.seg` when a segment
    /// (a refill of the same range, a recovered one) already has that name.
    private func uniquePath(for window: CaptureWindow, taken: inout Set<String>) -> String {
        let base = (options.archive as NSString).appendingPathComponent(
            SegmentNaming.relativePath(cluster: options.cluster, windowStart: window.start, windowEnd: window.end))
        var path = base
        var index = 0
        while taken.contains(path) || taken.contains(path + SegmentLayout.partialSuffix) || FileManager.default.fileExists(atPath: path) {
            index += 1
            path = String(base.dropLast(SegmentLayout.sealedSuffix.count)) + ".\(index)" + SegmentLayout.sealedSuffix
        }
        taken.insert(path)
        return path
    }
}
