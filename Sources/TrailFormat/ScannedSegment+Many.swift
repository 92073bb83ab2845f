import Foundation

extension ScannedSegment {
    /// Each path scanned (read once, hashed), in order. Local files are scanned on every core
    /// at once (the hashing is a tenth of a transform); a remote archive's one at a time.
    package static func scan(_ paths: [String]) -> [Result<ScannedSegment, SegmentError>] {
        let results = ScanResults(count: paths.count)
        if paths.contains(where: RemoteArchives.isRemote) {
            for index in paths.indices { results.scan(paths[index], into: index) }
        } else {
            DispatchQueue.concurrentPerform(iterations: paths.count) { index in results.scan(paths[index], into: index) }
        }
        return results.values.map { $0! }
    }

    /// One slot per path, each written by one iteration of the scan.
    private final class ScanResults: @unchecked Sendable {
        var values: [Result<ScannedSegment, SegmentError>?]
        private let lock = NSLock()

        init(count: Int) { values = Array(repeating: nil, count: count) }

        func scan(_ path: String, into index: Int) {
            let result: Result<ScannedSegment, SegmentError>
            do throws(SegmentError) { result = .success(try ScannedSegment(path: path)) } catch { result = .failure(error) }
            lock.withLock { values[index] = result }
        }
    }
}
