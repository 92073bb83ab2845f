import Foundation
import TrailFormat

/// Turns the transform's arguments into segment paths (`SegmentPaths`: files as given,
/// directories walked for sealed `*.seg` files, sorted, each once). Unsealed `.partial` files
/// in a directory are left for capture to recover, with a warning. No argument, or no segment
/// in them, is an error.
package enum SegmentFiles {
    package static func expand(_ arguments: [String], warnings: inout [String]) throws(TransformError) -> [String] {
        guard !arguments.isEmpty else { throw TransformError(.badInput, "no input: name segment files or archive directories") }
        let found: SegmentPaths
        do throws(SegmentPathError) { found = try SegmentPaths(expanding: arguments) } catch {
            throw TransformError(error.status == .noInput ? .badInput : .store(error.status), error.description, cause: error)
        }
        for path in found.unsealed {
            warnings.append("\(path): unsealed segment ignored (a capture in progress, or one that crashed: the next capture recovers it)")
        }
        guard !found.segments.isEmpty else { throw TransformError(.badInput, "no sealed segments (*.seg) in \(arguments.joined(separator: " "))") }
        return found.segments
    }
}
