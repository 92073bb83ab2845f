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

        package init(cluster: String = "homelab", start: Int64, windows: Int, windowSeconds: Int64 = 900,
                     scale: Int = 1, seed: UInt64 = 2026, bucketsPerFrame: Int = 20, activity: Double = 1) {
            self.cluster = cluster
            self.start = start
            self.windows = windows
            self.windowSeconds = windowSeconds
            self.scale = scale
            self.seed = seed
            self.bucketsPerFrame = bucketsPerFrame
            self.activity = activity
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
        let flows = FlowFactory(conversations: HomeLabCluster.conversations(scale: spec.scale), seed: spec.seed, activity: spec.activity)
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

    init(conversations: [Conversation], seed: UInt64, activity: Double) {
        self.conversations = conversations
        self.activity = activity
        random = SplitMix64(seed: seed)
    }

    func bucket(start: Int64) -> [[UInt8]] {
        var records: [[UInt8]] = []
        for conversation in conversations {
            let active: Bool
            if let dailyAt = conversation.dailyAt {
                active = start % 86_400 == dailyAt
            } else {
                active = random.chance(conversation.rate * activity)
            }
            let stale = !active && conversation.staleZeroCounters && random.chance(0.03)
            guard active || stale else { continue }
            for (reporter, action) in conversation.verdicts {
                records.append(flowResult(conversation, reporter: reporter, action: action, start: start, zero: stale))
            }
        }
        records.shuffle(using: &random)
        return records
    }

    private func flowResult(_ conversation: Conversation, reporter: Goldmane_Reporter, action: Goldmane_Action, start: Int64, zero: Bool) -> [UInt8] {
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
        key.policies = policyTrace(conversation, reporter: reporter, action: action)

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

    /// The trace as Felix reports it: the deciding hit (an allow, an explicit deny in a tier
    /// above `default`, or the end of the `default` tier), a profile hit when no policy selects
    /// the endpoint; the pending trace is the enforced one unless a staged policy decides.
    private func policyTrace(_ conversation: Conversation, reporter: Goldmane_Reporter, action: Goldmane_Action) -> Goldmane_PolicyTrace {
        let namespace = reporter == .src ? conversation.source.namespace : conversation.destination.namespace
        var hit = Goldmane_PolicyHit()
        if conversation.unselected {
            hit.kind = .profile
            hit.name = "kns.\(namespace)"
            hit.action = .allow
            hit.ruleIndex = 0
        } else if conversation.tier != "default" {
            hit.kind = .globalNetworkPolicy
            hit.name = conversation.policy
            hit.tier = conversation.tier
            hit.action = action
            hit.ruleIndex = 0
        } else {
            hit.kind = namespace == "-" ? .globalNetworkPolicy : .calicoNetworkPolicy
            hit.namespace = namespace == "-" ? "" : namespace
            hit.name = conversation.policy
            hit.tier = "default"
            hit.action = action
            hit.ruleIndex = action == .deny ? -1 : 0
        }
        var trace = Goldmane_PolicyTrace()
        if action == .deny && conversation.tier == "default" && !conversation.unselected {
            trace.enforcedPolicies = [Self.endOfTier(trigger: hit)]
        } else {
            trace.enforcedPolicies = [hit]
        }
        trace.pendingPolicies = trace.enforcedPolicies
        if let staged = conversation.staged.first(where: { $0.reporter == reporter }) {
            var stagedHit = Goldmane_PolicyHit()
            stagedHit.kind = .stagedNetworkPolicy
            stagedHit.namespace = namespace
            stagedHit.name = staged.policy
            stagedHit.tier = "default"
            stagedHit.action = staged.action
            stagedHit.ruleIndex = 0
            trace.pendingPolicies = [staged.action == .deny ? Self.endOfTier(trigger: stagedHit) : stagedHit]
        }
        return trace
    }

    private static func endOfTier(trigger: Goldmane_PolicyHit) -> Goldmane_PolicyHit {
        var trigger = trigger
        trigger.action = .unspecified
        var endOfTier = Goldmane_PolicyHit()
        endOfTier.kind = .endOfTier
        endOfTier.tier = "default"
        endOfTier.action = .deny
        endOfTier.policyIndex = 1
        endOfTier.ruleIndex = -1
        endOfTier.trigger = trigger
        return endOfTier
    }
}
