import Foundation
import TrailFormat

/// Turns the transform's arguments into segment paths: files as given, directories walked
/// for sealed `*.seg` files (sorted). Unsealed `.partial` files in a directory are left for
/// capture to recover, with a warning.
package enum SegmentFiles {
    package static func expand(_ arguments: [String], warnings: inout [String]) throws(TransformError) -> [String] {
        guard !arguments.isEmpty else { throw TransformError(.badInput, "no input: name segment files or archive directories") }
        var files: [String] = []
        for argument in arguments {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: argument, isDirectory: &isDirectory) else {
                throw TransformError(.badInput, "\(argument): no such file or directory")
            }
            guard isDirectory.boolValue else {
                files.append(argument)
                continue
            }
            guard let listing = ArchiveListing(directory: argument) else {
                throw TransformError(.badInput, "\(argument): cannot list the directory")
            }
            for path in listing.unsealed {
                warnings.append("\(path): unsealed segment ignored (a capture in progress, or one that crashed: the next capture recovers it)")
            }
            files += listing.sealed
        }
        guard !files.isEmpty else { throw TransformError(.badInput, "no sealed segments (*.seg) in \(arguments.joined(separator: " "))") }
        return files
    }
}
