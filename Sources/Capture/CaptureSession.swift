import Foundation
import Synchronization
import TrailFormat

/// One capture run: recover what a crash left, decide the window, stream it from Goldmane
/// (replay, then live) into one sealed segment, reconnecting as needed, and record coverage.
public struct CaptureSession: Sendable {
    public struct Options: Sendable {
        public var archive: String
        public var cluster: String
        public var endpoint: GoldmaneEndpoint
        /// `.length(seconds)` resumes from the archive; `.range(from, to)` is explicit.
        public var window: WindowRequest
        /// Seconds past a bucket's rollover to wait for its items.
        public var grace: Int64
        /// The most the receive path buffers while the writer is behind.
        public var maxBufferedBytes: Int
        public init(archive: String, cluster: String, endpoint: GoldmaneEndpoint, window: WindowRequest, grace: Int64,
                    maxBufferedBytes: Int = 256 << 20) {
            self.maxBufferedBytes = maxBufferedBytes
            self.archive = archive
            self.cluster = cluster
            self.endpoint = endpoint
            self.window = window
            self.grace = grace
        }
    }

    public enum WindowRequest: Sendable {
        case length(Int64)
        case range(from: Int64, to: Int64)
    }

    public struct Report: Sendable {
        public var segment: String
        public var window: CaptureWindow
        public var footer: SegmentFooter
        public var recovered: [String]
        /// The failure that ended the capture early, if one did (the rest is a gap).
        public var failure: CaptureError?
    }

    public let options: Options
    let stop: StopRequest
    let log: @Sendable (String) -> Void

    public init(options: Options, stop: StopRequest, log: @escaping @Sendable (String) -> Void) {
        self.options = options
        self.stop = stop
        self.log = log
    }

    public func run() async throws(CaptureError) -> Report {
        let now = Int64(Date().timeIntervalSince1970)
        let recovered = try ArchiveState.recoverUnsealed(archive: options.archive, cluster: options.cluster, now: now)
        recovered.forEach(log)
        let window: CaptureWindow
        switch options.window {
        case .length(let length):
            let resume = ArchiveState.read(archive: options.archive, cluster: options.cluster).capturedEnd
            window = CaptureWindow.next(length: length, resumeFrom: resume, now: now)
        case .range(let from, let to):
            window = CaptureWindow.explicit(from: from, to: to, now: now)
        }
        for gap in window.gaps {
            log("gap \(UTCTime.rfc3339(gap.from)) to \(UTCTime.rfc3339(gap.to)): \(gap.reason)")
        }
        let client = try GoldmaneStreamClient(endpoint: options.endpoint)
        let path = (options.archive as NSString).appendingPathComponent(
            SegmentNaming.relativePath(cluster: options.cluster, windowStart: window.start, windowEnd: window.end))
        guard !FileManager.default.fileExists(atPath: path) else {
            throw CaptureError(.archive, "\(path) already exists: that window is captured")
        }
        do {
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        } catch {
            throw CaptureError(.archive, "cannot create the archive directory for \(path): \(error.localizedDescription)")
        }
        let header = SegmentHeader(
            captureId: UUID().uuidString.lowercased(), cluster: options.cluster, endpoint: options.endpoint.displayName,
            windowStart: window.start, windowEnd: window.end, tool: "goldmane-trail \(TrailVersion.current)",
            createdAt: UTCTime.rfc3339(now))
        let writer: SegmentWriter
        do {
            // Frames are cut by the capture, at bucket boundaries only, so that recovery keeps whole buckets.
            writer = try SegmentWriter(finalPath: path, header: header, options: .init(frameTarget: SegmentLayout.captureFrameTarget))
        } catch {
            throw CaptureError(.archive, error.description)
        }
        log("capturing \(options.cluster) \(UTCTime.rfc3339(window.captureFrom)) to \(UTCTime.rfc3339(window.end)) from \(options.endpoint.displayName) into \(path)")

        let sink = BucketSink(writer: writer, window: window, maxBufferedBytes: options.maxBufferedBytes)
        let receiver = StreamReceiver(window: window, sink: sink, log: log)
        let outcome = await stream(client: client, receiver: receiver, window: window)
        if case .fatal(let failure) = outcome, receiver.itemsReceived == 0 {
            try? FileManager.default.removeItem(atPath: writer.partialPath)
            throw failure
        }
        let ended = Int64(Date().timeIntervalSince1970)
        let finished: Bool
        var failure: CaptureError? = nil
        var reason = ""
        switch outcome {
        case .complete: finished = true
        case .stopped(let signal): finished = false; reason = "capture stopped by \(signal)"
        case .fatal(let error), .gaveUp(let error): finished = false; failure = error; reason = error.message
        }
        let completeUpTo = try sink.finish(complete: finished, now: ended, grace: options.grace)
        var gaps = window.gaps.map { Coverage.Gap(from: $0.from, to: $0.to, reason: $0.reason) }
            + sink.lossyBuckets.map { Coverage.Gap(from: $0, to: $0 + BucketClock.bucketSeconds, reason: "items dropped: the segment writer fell behind (disk stalled)") }
        if completeUpTo < window.end {
            gaps.append(Coverage.Gap(from: completeUpTo, to: window.end, reason: reason.isEmpty ? "not captured" : reason))
        }
        var stats = receiver.stats
        stats["items_written"] = Int64(sink.itemsWritten)
        stats["items_discarded_incomplete_bucket"] = Int64(sink.itemsDiscarded)
        stats["items_dropped_writer_behind"] = Int64(sink.itemsDropped)
        let captured = completeUpTo > window.captureFrom ? [TimeRange(from: window.captureFrom, to: completeUpTo)] : []
        let footer: SegmentFooter
        do {
            footer = try writer.seal(
                seal: finished ? .complete : .interrupted, sealedAt: UTCTime.rfc3339(ended),
                coverage: Coverage(captured: captured, gaps: gaps.sorted { $0.from < $1.from }), stats: stats)
        } catch {
            throw CaptureError(.archive, error.description)
        }
        return Report(segment: path, window: window, footer: footer, recovered: recovered, failure: failure)
    }

    /// How long past the deadline (or the start, for a window already past) a failing stream is
    /// still retried: the ring keeps a window for an hour, and a short outage should not become a gap.
    static let retrySecondsAfterDeadline: Double = 30

    enum Outcome {
        case complete
        case stopped(String)
        case fatal(CaptureError)
        case gaveUp(CaptureError)
    }

    /// Streams with reconnects until the window is complete, the deadline passes, a stop is
    /// requested, or a failure that reconnecting cannot fix.
    private func stream(client: GoldmaneStreamClient, receiver: StreamReceiver, window: CaptureWindow) async -> Outcome {
        let deadline = Double(window.deadline(grace: options.grace))
        let giveUpAt = max(deadline, Date().timeIntervalSince1970) + Self.retrySecondsAfterDeadline
        var backoff: Double = 1
        while true {
            if let signal = stop.requested { return .stopped(signal) }
            let resume = receiver.resumePoint
            receiver.markAttempt()
            let result: Result<Bool, any Error> = await withTaskGroup(of: Result<Bool, any Error>?.self) { group in
                group.addTask {
                    do {
                        try await client.stream(startTimeGte: resume) { bytes in receiver.receive(bytes) }
                        return .success(receiver.isDone)
                    } catch {
                        return .failure(error)
                    }
                }
                group.addTask {
                    // The window ends by the clock: at the deadline, once the stream has been quiet
                    // for a moment; longer for a window long past, whose replay should be
                    // continuous (a silent cluster sends nothing, so silence must end it too).
                    while !Task.isCancelled {
                        let now = Date().timeIntervalSince1970
                        let quiet = now >= deadline + 15 ? StreamReceiver.quietSecondsAfterReplay : StreamReceiver.quietSeconds
                        if now >= deadline && now - receiver.lastItemAt >= quiet { return .success(true) }
                        try? await Task.sleep(for: .milliseconds(250))
                    }
                    return nil
                }
                group.addTask {
                    while !Task.isCancelled && stop.requested == nil { try? await Task.sleep(for: .milliseconds(100)) }
                    return Task.isCancelled ? nil : .success(false)
                }
                var first: Result<Bool, any Error>? = nil
                while first == nil, let next = await group.next() { first = next }
                group.cancelAll()
                return first ?? .success(false)
            }
            if let signal = stop.requested { return .stopped(signal) }
            switch result {
            case .success(let done):
                if done || receiver.isDone || Date().timeIntervalSince1970 >= deadline { return .complete }
                // The stream ended without an error before the window did: reconnect.
                receiver.noteReconnect()
            case .failure(let error):
                let failure = StreamFailure.describe(error, endpoint: options.endpoint)
                guard StreamFailure.isTransient(failure) else { return .fatal(failure) }
                if Date().timeIntervalSince1970 >= giveUpAt {
                    return .gaveUp(failure)
                }
                receiver.noteReconnect()
                log("stream failed, reconnecting in \(Int(backoff)) s from \(UTCTime.rfc3339(receiver.resumePoint)): \(failure.message)")
                try? await Task.sleep(for: .seconds(backoff))
                backoff = min(backoff * 2, 10)
            }
        }
    }
}

/// What the signal handler sets: the name of the signal that asked the capture to stop.
public final class StopRequest: Sendable {
    private let signal = Mutex<String?>(nil)
    public init() {}
    public var requested: String? { signal.withLock { $0 } }
    public func request(_ name: String) { signal.withLock { $0 = $0 ?? name } }
}
