// libFuzzer target: arbitrary bytes as a segment file, read end to end the ways the tools
// read one (verify, the shared walker, transform), and as an unsealed file that recovery
// seals. `make fuzz` builds it with -sanitize=fuzzer,address and -DFUZZING; a plain build
// makes a replayer that runs the same code on files (the committed corpus and every crash).
import Foundation
import FuzzSupport
import TrailFormat
import Transform

/// Reads `data` as a sealed segment and as a crashed capture's partial file. Traps (a fuzzer
/// crash) when recovery seals a file that `verify` then refuses: recovery's output must
/// always be a good segment.
func readSegment(_ data: Data) {
    let sealed = (FuzzCorpus.scratch as NSString).appendingPathComponent("input.seg")
    guard FileManager.default.createFile(atPath: sealed, contents: data) else { fatalError("cannot write \(sealed)") }
    _ = try? SegmentVerifier.verify(path: sealed)
    if let walker = try? SegmentWalker(path: sealed) {
        while (try? walker.next()) == true {}
    }
    // As the command runs it: with a progress handler (its arithmetic on footer times once trapped).
    _ = try? TransformJob(inputs: [sealed]).run(progress: { fraction in precondition(fraction.isNaN || (0...1).contains(fraction)) })

    let partial = (FuzzCorpus.scratch as NSString).appendingPathComponent("crashed.seg.partial")
    let recovered = String(partial.dropLast(SegmentLayout.partialSuffix.count))
    try? FileManager.default.removeItem(atPath: recovered)
    guard FileManager.default.createFile(atPath: partial, contents: data) else { fatalError("cannot write \(partial)") }
    if let result = try? SegmentRecovery.recover(partialPath: partial, sealedAt: "2026-11-27T02:16:00Z", coverage: { _, _ in
        Coverage(captured: [], gaps: [])
    }) {
        do { _ = try SegmentVerifier.verify(path: result.sealedPath) } catch {
            fatalError("recovery sealed a segment that verify refuses: \(error)")
        }
    }
    try? FileManager.default.removeItem(atPath: partial)
    try? FileManager.default.removeItem(atPath: recovered)
}

#if FUZZING
@_cdecl("LLVMFuzzerTestOneInput")
package func fuzzSegmentReader(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    readSegment(Data(bytes: data, count: size))
    return 0
}

@_cdecl("FuzzSegmentReader_main")
package func fuzzerMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    FuzzEntry.fuzz(argc, argv, fuzzSegmentReader)
}
#else
@main
enum Replay {
    static func main() throws { try FuzzEntry.replay(readSegment) }
}
#endif
