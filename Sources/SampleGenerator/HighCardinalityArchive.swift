import Foundation
import GoldmaneAPI
import TrailFormat

/// A synthetic archive at real-cluster cardinality, for benchmarks and scale tests: `items`
/// FlowResults cycling through `distinctKeys` distinct FlowKeys (item i has key i mod
/// distinctKeys), `itemsPerBucket` to a 15-second bucket, in 15-minute segments. Keys differ
/// by pod-template hash, as a busy cluster's do after many rollouts: the fold sees every one
/// as a distinct key, while normalisation folds them into a realistic number of rows.
package struct HighCardinalityArchive {
    package var start: Int64
    package var distinctKeys: Int
    package var items: Int
    package var itemsPerBucket: Int

    package init(start: Int64, distinctKeys: Int, items: Int, itemsPerBucket: Int) {
        self.start = start
        self.distinctKeys = distinctKeys
        self.items = items
        self.itemsPerBucket = itemsPerBucket
    }

    package func write(to directory: String) throws -> SampleArchive.Summary {
        var summary = SampleArchive.Summary()
        let windowSeconds: Int64 = 900
        var index = 0
        var windowStart = start
        while index < items {
            let windowEnd = windowStart + windowSeconds
            let path = (directory as NSString).appendingPathComponent(
                SegmentNaming.relativePath(cluster: "busy", windowStart: windowStart, windowEnd: windowEnd))
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            let header = SegmentHeader(
                captureId: "cardinality-\(windowStart)", cluster: "busy", endpoint: "synthetic (goldmane-trail samples --distinct-keys)",
                windowStart: windowStart, windowEnd: windowEnd, tool: "goldmane-trail \(TrailVersion.current)", createdAt: UTCTime.rfc3339(windowStart))
            let writer = try SegmentWriter(finalPath: path, header: header, options: .init(frameTarget: 4 << 20, compressionLevel: 3, syncEveryFrame: false))
            var bucket = windowStart
            while bucket < windowEnd && index < items {
                for _ in 0..<itemsPerBucket where index < items {
                    try writer.append(record: record(key: index % distinctKeys, item: index, start: bucket), startTime: bucket, endTime: bucket + 15)
                    index += 1
                }
                bucket += 15
            }
            try writer.seal(sealedAt: UTCTime.rfc3339(windowEnd + 45),
                            coverage: Coverage(captured: [TimeRange(from: windowStart, to: windowEnd)], gaps: []))
            summary.items = index
            summary.segments.append(path)
            summary.bytes += (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
            windowStart = windowEnd
        }
        return summary
    }

    /// A pod-template hash: ten characters from Kubernetes' safe alphabet.
    static func hash(_ value: Int) -> String {
        let alphabet = Array("bcdfghjklmnpqrstvwxz2456789")
        var value = UInt64(value) &* 0x9E37_79B9_7F4A_7C15
        return String((0..<10).map { _ in
            defer { value /= 27 }
            return alphabet[Int(value % 27)]
        })
    }

    func record(key k: Int, item: Int, start: Int64) -> [UInt8] {
        var key = Goldmane_FlowKey()
        key.sourceName = "app-\(k % 50)-\(Self.hash(k))-*"
        key.sourceNamespace = "tenant-\(k % 200)"
        key.sourceType = .workloadEndpoint
        key.destName = "db-\(k % 7)-\(Self.hash(k / 3 + 7))-*"
        key.destNamespace = "shared-\(k % 20)"
        key.destType = .workloadEndpoint
        key.destPort = Int64(5432 + k % 5)
        key.destServiceName = "db-\(k % 7)"
        key.destServiceNamespace = key.destNamespace
        key.destServicePortName = "postgres"
        key.destServicePort = key.destPort
        key.proto = "tcp"
        key.reporter = k % 2 == 0 ? .src : .dst
        key.action = .allow
        var flow = Goldmane_Flow()
        flow.key = key
        flow.startTime = start
        flow.endTime = start + 15
        flow.packetsOut = Int64(1 + item % 97)
        flow.packetsIn = Int64(1 + item % 89)
        flow.bytesOut = flow.packetsOut * 512
        flow.bytesIn = flow.packetsIn * 128
        flow.numConnectionsStarted = Int64(item % 3)
        var result = Goldmane_FlowResult()
        result.id = Int64(k + 1)
        result.flow = flow
        return (try? result.serializedBytes()) ?? []
    }
}
