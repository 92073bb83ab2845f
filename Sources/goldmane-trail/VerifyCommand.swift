import ArgumentParser
import TrailSupport
import Foundation
import TrailFormat

struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check segments end to end: checksums, record framing, bucket order, footer counts.",
        discussion: """
            Prints one line per segment: OK with its counts, or FAIL with the byte offset and the \
            first problem. Directories are searched for *.seg; unsealed *.seg.partial files found \
            there are listed (a capture in progress, or one that crashed) without failing the run. \
            Exits 0 when every segment is good, 65 when any is not, 66 when a path is missing.
            """)

    static let maxWarningsPerSegment = 20

    @Argument(help: "Segment files or archive directories; s3://BUCKET/PREFIX for an archive in a bucket, s3://BUCKET/KEY.seg for one object.")
    var paths: [String]

    func run() throws {
        let found = try SegmentPaths(expanding: paths)
        let unsealed = Set(found.unsealed)
        var failures = 0
        for file in (found.segments + found.unsealed).sorted() {
            if unsealed.contains(file) {
                print("UNSEALED \(file): not sealed yet (the next capture recovers it)")
                continue
            }
            do {
                let report = try SegmentVerifier.verify(path: file)
                print("OK   \(file): \(report.footer.recordCount) records in \(report.footer.frames.count) frames, \(report.fileSize) bytes, sealed \(report.footer.seal.rawValue)"
                      + (report.undecodable.isEmpty ? "" : ", \(report.undecodable.count) records cannot be folded (not a FlowResult with a well-formed FlowKey)"))
                for location in report.undecodable.prefix(Self.maxWarningsPerSegment) {
                    Diagnostics.warning("\(location): not a FlowResult with a well-formed FlowKey (kept as received; transform counts it as malformed)")
                }
            } catch {
                failures += 1
                print("FAIL \(error.description)")
            }
        }
        if failures > 0 { throw ExitCode(ExitStatus.dataError.rawValue) }
    }
}
