import Foundation
import TrailFormat
import TrailSupport

/// The archive as the jobs read it: its sealed segments, each scanned once (opened, header
/// and footer checked, bytes hashed) when a job needs more than its name, and its unsealed
/// files (left for capture to recover).
package struct ArchiveScan {
    package let directory: String
    package let listing: ArchiveListing

    /// Lists `directory` (or a remote archive, `s3://BUCKET/PREFIX`); exit 66 when it is not
    /// a directory that can be listed, the store's status when the store fails.
    package init(directory: String) throws(JobFailure) {
        let found: ArchiveListing?
        do throws(SegmentError) { found = try ArchiveListing.of(directory) } catch {
            throw JobFailure(error.exitStatus, "\(directory): \(error.message)", cause: error)
        }
        guard let listing = found else {
            throw JobFailure(.noInput, "\(directory): no such directory, or it cannot be listed")
        }
        self.directory = directory
        self.listing = listing
    }

    /// A bucket prefix without a sealed segment is the bucket's "no such directory" (a wrong
    /// --archive): exit 66 rather than a job that silently did nothing.
    package func requireSegmentsInBucket() throws(JobFailure) {
        guard RemoteArchives.isRemote(directory), listing.sealed.isEmpty else { return }
        throw JobFailure(.noInput, "\(directory): no sealed segment under this prefix (a wrong --archive, or no capture has uploaded yet); nothing done")
    }

    package var sealedNames: Set<String> { Set(listing.sealed.map(Self.name)) }

    package static func name(_ path: String) -> String { (path as NSString).lastPathComponent }

    /// Scans every sealed segment whose name is not in `known` (a name already loaded is
    /// skipped without opening the file: sealed segments never change, and their names,
    /// cluster and window, are unique). Segments that cannot be scanned are returned apart,
    /// with their error. Local files are scanned on every core at once; a remote archive's one
    /// at a time, and its store that fails stops the scan (nothing is the segments' fault).
    package func scan(skippingNames known: Set<String> = [], only include: (String) -> Bool = { _ in true }) throws(JobFailure)
        -> (segments: [ScannedSegment], failed: [SegmentError])
    {
        var segments: [ScannedSegment] = []
        var failed: [SegmentError] = []
        let paths = listing.sealed.filter { !known.contains(Self.name($0)) && include($0) }
        if RemoteArchives.isRemote(directory) {
            // One object at a time: the first failure of the store stops the scan.
            for path in paths {
                do throws(SegmentError) { segments.append(try ScannedSegment(path: path)) } catch {
                    if error.isStoreFailure { throw JobFailure(error.exitStatus, error.description, cause: error) }
                    failed.append(error)
                }
            }
            return (segments, failed)
        }
        // Local files on every core at once, in order.
        for result in ScannedSegment.scan(paths) {
            switch result {
            case .success(let segment): segments.append(segment)
            case .failure(let error): failed.append(error)
            }
        }
        return (segments, failed)
    }
}
