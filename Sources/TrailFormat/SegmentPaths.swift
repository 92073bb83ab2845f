import Foundation
import TrailSupport

/// The segment files that paths named on a command line stand for. A file stands for itself,
/// sealed or not (naming it asks for it); a directory is walked for the sealed segments under
/// it (`ArchiveListing`), and the unsealed ones found there (`*.seg.partial`: a capture in
/// progress, or one that crashed) are kept apart, for the caller to report. Both lists are
/// sorted, and hold each path once however often it was named or found.
package struct SegmentPaths: Sendable {
    /// The files named, and the sealed segments found in the directories named.
    package var segments: [String]
    /// The unsealed segments found in the directories named (none that was also named itself).
    package var unsealed: [String]

    /// Expands `paths`; the first that does not exist, or is a directory that cannot be
    /// listed, is an error naming it.
    package init(expanding paths: [String]) throws(SegmentPathError) {
        var segments: Set<String> = []
        var unsealed: Set<String> = []
        for path in paths {
            if RemoteArchives.isRemote(path) {
                // A URL ending in `.seg` names one object; any other names an archive or a part of one.
                if path.hasSuffix(SegmentLayout.sealedSuffix) {
                    segments.insert(path)
                    continue
                }
                let listing: ArchiveListing?
                do throws(SegmentError) { listing = try ArchiveListing.of(path) } catch {
                    throw SegmentPathError(path: path, problem: error.message, status: error.exitStatus)
                }
                segments.formUnion(listing?.sealed ?? [])
                unsealed.formUnion(listing?.unsealed ?? [])
                continue
            }
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                throw SegmentPathError(path: path, problem: "no such file or directory")
            }
            guard isDirectory.boolValue else {
                segments.insert(path)
                continue
            }
            guard let listing = ArchiveListing(directory: path) else {
                throw SegmentPathError(path: path, problem: "cannot list the directory")
            }
            segments.formUnion(listing.sealed)
            unsealed.formUnion(listing.unsealed)
        }
        self.segments = segments.sorted()
        self.unsealed = unsealed.subtracting(segments).sorted()
    }
}

/// A path named on the command line that stands for no segment: exit 66.
package struct SegmentPathError: TrailError, Sendable {
    package var path: String
    package var problem: String
    /// 66 for a missing path; a remote archive's store failures keep theirs (69, 77, 78).
    package var status: ExitStatus = .noInput

    package init(path: String, problem: String, status: ExitStatus = .noInput) {
        self.path = path
        self.problem = problem
        self.status = status
    }

    package var exitStatus: ExitStatus { status }
    package var description: String { "\(path): \(problem)" }
}
