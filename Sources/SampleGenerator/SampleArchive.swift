import Foundation
import GoldmaneAPI
import TrailFormat

/// Writes a synthetic archive of the home-lab cluster: consecutive capture windows of
/// 15-second buckets, each a sealed segment, exactly as a capture would leave them.
/// The same spec always gives the same bytes.
package struct SampleArchive {
    package struct Spec: Sendable {
        package var cluster: String
        /// Start of the first window (aligned to `windowSeconds`), Unix seconds.
        package var start: Int64
        package var windows: Int
        package var windowSeconds: Int64
        /// Copies of the application namespaces (1 = the ~40-namespace home lab).
        package var scale: Int
        package var seed: UInt64
        /// A data frame is cut every this many buckets, as a capture flushes.
        package var bucketsPerFrame: Int
        /// Multiplies every conversation's chance of traffic in a bucket (1 = as modelled).
        package var activity: Double
        /// The cluster's policies (files or a directory), whose evaluation gives every flow's trace.
        package var policies: String

        package init(cluster: String = "homelab", start: Int64, windows: Int, windowSeconds: Int64 = 900,
                     scale: Int = 1, seed: UInt64 = 2026, bucketsPerFrame: Int = 20, activity: Double = 1,
                    policies: String = SamplePolicies.defaultDirectory) {
            self.cluster = cluster
            self.start = start
            self.windows = windows
            self.windowSeconds = windowSeconds
            self.scale = scale
            self.seed = seed
            self.bucketsPerFrame = bucketsPerFrame
            self.activity = activity
            self.policies = policies
        }
    }

    package struct Summary: Sendable {
        package var segments: [String] = []
        package var items = 0
        package var bytes = 0
    }

    package let spec: Spec
    package init(spec: Spec) { self.spec = spec }

    /// Writes the segments under `directory` (created if needed).
    package func write(to directory: String) throws -> Summary {
        var summary = Summary()
        let policies = try SamplePolicies(directory: spec.policies, scale: spec.scale, applicationNamespaces: HomeLabCluster.apps.map(\.namespace))
        let flows = try FlowFactory(conversations: HomeLabCluster.conversations(scale: spec.scale), policies: policies, seed: spec.seed, activity: spec.activity)
        for window in 0..<spec.windows {
            let windowStart = spec.start + Int64(window) * spec.windowSeconds
            let windowEnd = windowStart + spec.windowSeconds
            let path = (directory as NSString).appendingPathComponent(
                SegmentNaming.relativePath(cluster: spec.cluster, windowStart: windowStart, windowEnd: windowEnd))
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            let header = SegmentHeader(
                captureId: "sample-\(spec.seed)-\(windowStart)", cluster: spec.cluster, endpoint: "synthetic (goldmane-trail samples)",
                windowStart: windowStart, windowEnd: windowEnd, tool: "goldmane-trail \(TrailVersion.current)",
                createdAt: UTCTime.rfc3339(windowStart))
            let writer = try SegmentWriter(finalPath: path, header: header, options: .init(syncEveryFrame: false))
            var bucket = windowStart
            var buckets = 0
            while bucket < windowEnd {
                for record in flows.bucket(start: bucket) {
                    try writer.append(record: record, startTime: bucket, endTime: bucket + 15)
                    summary.items += 1
                }
                bucket += 15
                buckets += 1
                if buckets % spec.bucketsPerFrame == 0 { try writer.flushFrame() }
            }
            try writer.seal(
                sealedAt: UTCTime.rfc3339(windowEnd + 45),
                coverage: Coverage(captured: [TimeRange(from: windowStart, to: windowEnd)], gaps: []),
                stats: ["items_received": Int64(writer.recordsWritten)])
            summary.segments.append(path)
            summary.bytes += (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
        }
        return summary
    }
}

/// Turns conversations into the FlowResult bytes Goldmane would stream for one bucket.
final class FlowFactory {
    private let conversations: [Conversation]
    private var random: SplitMix64
    private var ids: [String: Int64] = [:]
    private let activity: Double
    /// Per conversation, each reporter's trace (the policies' evaluation, made once).
    private let traces: [[Goldmane_PolicyTrace]]

    init(conversations: [Conversation], policies: SamplePolicies, seed: UInt64, activity: Double) throws(SamplePolicyError) {
        self.conversations = conversations
        self.activity = activity
        random = SplitMix64(seed: seed)
        var traces: [[Goldmane_PolicyTrace]] = []
        for conversation in conversations {
            var mine: [Goldmane_PolicyTrace] = []
            for (reporter, action) in conversation.verdicts {
                mine.append(try policies.trace(conversation, reporter: reporter, action: action))
            }
            traces.append(mine)
        }
        self.traces = traces
    }

    func bucket(start: Int64) -> [[UInt8]] {
        var records: [[UInt8]] = []
        for (index, conversation) in conversations.enumerated() {
            let active: Bool
            if let dailyAt = conversation.dailyAt {
                active = start % 86_400 == dailyAt
            } else {
                active = random.chance(conversation.rate * activity)
            }
            let stale = !active && conversation.staleZeroCounters && random.chance(0.03)
            guard active || stale else { continue }
            for (verdict, (reporter, action)) in conversation.verdicts.enumerated() {
                records.append(flowResult(conversation, reporter: reporter, action: action, trace: traces[index][verdict], start: start, zero: stale))
            }
        }
        records.shuffle(using: &random)
        return records
    }

    private func flowResult(_ conversation: Conversation, reporter: Goldmane_Reporter, action: Goldmane_Action, trace: Goldmane_PolicyTrace,
                            start: Int64, zero: Bool) -> [UInt8] {
        var key = Goldmane_FlowKey()
        key.sourceName = conversation.source.name
        key.sourceNamespace = conversation.source.namespace
        key.sourceType = conversation.source.type
        key.destName = conversation.destination.name
        key.destNamespace = conversation.destination.namespace
        key.destType = conversation.destination.type
        key.destPort = conversation.port
        key.destServiceName = conversation.service?.name ?? "-"
        key.destServiceNamespace = conversation.service?.namespace ?? "-"
        key.destServicePortName = conversation.service == nil ? "-" : (conversation.port == 53 ? "dns" : "http")
        key.destServicePort = conversation.service == nil ? 0 : conversation.port
        key.proto = conversation.proto
        key.reporter = reporter
        key.action = action
        key.policies = trace

        var flow = Goldmane_Flow()
        flow.key = key
        flow.startTime = start
        flow.endTime = start + 15
        flow.sourceLabels = conversation.source.labels
        flow.destLabels = conversation.destination.labels
        if !zero {
            let packets = random.int(1...400)
            let size = random.int(60...1400)
            let (sent, received) = reporter == .src ? (packets, packets / 2 + 1) : (packets / 2 + 1, packets)
            flow.packetsOut = sent
            flow.packetsIn = action == .deny ? 0 : received
            flow.bytesOut = sent * size
            flow.bytesIn = action == .deny ? 0 : received * 90
            flow.numConnectionsStarted = random.int(0...6)
            flow.numConnectionsCompleted = random.int(0...flow.numConnectionsStarted)
            flow.numConnectionsLive = random.int(0...3)
        }

        var result = Goldmane_FlowResult()
        let identity = "\(key.sourceNamespace)/\(key.sourceName)>\(key.destNamespace)/\(key.destName):\(key.destPort)/\(key.proto)/\(reporter.rawValue)/\(action.rawValue)"
        if ids[identity] == nil { ids[identity] = Int64(ids.count + 1) }
        result.id = ids[identity]!
        result.flow = flow
        return (try? result.serializedBytes()) ?? []
    }
}
