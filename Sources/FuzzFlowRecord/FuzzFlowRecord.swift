// libFuzzer target: arbitrary bytes as FlowResult records, folded as transform folds them.
// `make fuzz` builds it with -sanitize=fuzzer,address and -DFUZZING; a plain build makes a
// replayer that runs the same code on files (the committed corpus and every crash found),
// which the tests run.
import Foundation
import FuzzSupport
import TrailFormat
import Transform

/// Splits the input into records at 0xFF 0xFE markers (so one input can hold several
/// records, duplicates among them) and folds them.
func foldRecords(_ data: UnsafeRawBufferPointer) {
    var records: [[UInt8]] = [[]]
    var index = 0
    while index < data.count {
        if index + 1 < data.count && data[index] == 0xFF && data[index + 1] == 0xFE {
            records.append([])
            index += 2
            continue
        }
        records[records.count - 1].append(data[index])
        index += 1
    }
    let batch = LooseRecordFold.fold(records, windowEnd: 1_795_745_700)
    _ = try? batch.encoded()
}

#if FUZZING
@_cdecl("LLVMFuzzerTestOneInput")
package func fuzzFlowRecord(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    foldRecords(UnsafeRawBufferPointer(start: data, count: size))
    return 0
}

@_cdecl("FuzzFlowRecord_main")
package func fuzzerMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    FuzzEntry.fuzz(argc, argv, fuzzFlowRecord)
}
#else
@main
enum Replay {
    static func main() throws { try FuzzEntry.replay { data in data.withUnsafeBytes { foldRecords($0) } } }
}
#endif
