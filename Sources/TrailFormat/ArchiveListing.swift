import Foundation

/// The segments under an archive directory: sealed ones (`*.seg`) and unsealed ones
/// (`*.seg.partial`: a capture in progress, or one that crashed), each sorted by path
/// (which sorts by cluster, day and window start: see `SegmentNaming`). The staging
/// directory of `compact` (`.staging`) is not looked into.
package struct ArchiveListing: Sendable {
    package var sealed: [String] = []
    package var unsealed: [String] = []

    /// Walks `directory` recursively; nil when it cannot be listed.
    package init?(directory: String) {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue,
              let walker = FileManager.default.enumerator(atPath: directory) else { return nil }
        for case let relative as String in walker {
            if relative == SegmentLayout.stagingDirectory {
                walker.skipDescendants()
                continue
            }
            let path = (directory as NSString).appendingPathComponent(relative)
            if relative.hasSuffix(SegmentLayout.sealedSuffix) {
                sealed.append(path)
            } else if relative.hasSuffix(SegmentLayout.sealedSuffix + SegmentLayout.partialSuffix) {
                unsealed.append(path)
            }
        }
        sealed.sort()
        unsealed.sort()
    }
}
