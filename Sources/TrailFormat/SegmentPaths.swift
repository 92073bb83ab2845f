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

    package var exitStatus: ExitStatus { .noInput }
    package var description: String { "\(path): \(problem)" }
}
