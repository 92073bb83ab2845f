import Foundation

#if FUZZING
/// libFuzzer's driver, for targets whose entry point SwiftPM names `<module>_main`.
@_silgen_name("LLVMFuzzerRunDriver")
func runFuzzerDriver(
    _ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>, Int) -> CInt
) -> CInt
#endif

/// How a fuzz target starts: under -DFUZZING, libFuzzer's driver on `testOneInput`;
/// otherwise a replayer that runs `body` on every file named (directories expanded).
package enum FuzzEntry {
    #if FUZZING
    package static func fuzz(
        _ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?,
        _ testOneInput: @convention(c) (UnsafePointer<UInt8>, Int) -> CInt
    ) -> CInt {
        var count = argc
        var arguments = argv
        return runFuzzerDriver(&count, &arguments, testOneInput)
    }
    #endif

    package static func replay(_ body: (Data) -> Void) throws {
        let files = FuzzCorpus.files(CommandLine.arguments.dropFirst())
        for path in files { body(try Data(contentsOf: URL(fileURLWithPath: path))) }
        print("replayed \(files.count) inputs")
    }
}
