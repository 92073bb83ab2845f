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

    /// Lists `location`: a directory as `init?(directory:)` does (nil when it cannot be
    /// listed), or a remote archive (`s3://BUCKET/PREFIX`) by its objects' names; a store that
    /// fails throws.
    package static func of(_ location: String) throws(SegmentError) -> ArchiveListing? {
        guard RemoteArchives.isRemote(location) else { return ArchiveListing(directory: location) }
        var listing = ArchiveListing()
        let archive = try RemoteArchives.open(location)
        let root = archive.rootURL
        // Unsealed (`.partial`) objects are not listed: capture uploads sealed segments only
        // and recovers partial files in its local staging, so one in a bucket is nobody's.
        for url in try archive.objectURLs() where url.hasPrefix(root) && url.hasSuffix(SegmentLayout.sealedSuffix) {
            if url.dropFirst(root.count).hasPrefix(SegmentLayout.stagingDirectory + "/") { continue }
            listing.sealed.append(url)
        }
        listing.sealed.sort()
        listing.unsealed.sort()
        return listing
    }

    private init() {}
}
