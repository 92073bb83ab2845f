import Foundation
import TrailFormat
import TrailTestSupport
@testable import Transform

extension TemporaryDirectory {
    /// Writes `flows` into one segment whose window covers them, and returns its path.
    @discardableResult
    func segment(_ name: String, _ flows: [FlowFixture], windowStart: Int64? = nil, windowEnd: Int64? = nil, cluster: String = "test") throws -> String {
        let sorted = flows.enumerated().sorted { ($0.element.start, $0.offset) < ($1.element.start, $1.offset) }.map(\.element)
        let start = windowStart ?? (sorted.first?.start ?? 1_795_744_800)
        let end = windowEnd ?? ((sorted.last?.start ?? start) + 15)
        let path = file(name)
        try SegmentFixture.write(sorted.map { ($0.bytesOnWire, $0.start) }, to: path, windowStart: start, windowEnd: end, cluster: cluster)
        return path
    }
}

func transform(_ inputs: [String], settings: TransformSettings = TransformSettings(), skipCorrupt: Bool = false) throws -> EdgeBatch {
    try TransformJob(inputs: inputs, settings: settings, skipCorrupt: skipCorrupt).run().batch
}
