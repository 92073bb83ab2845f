import Foundation
import TrailSupport
import Transform

MemoryTuning.apply()

// transform-probe ARCHIVE... -o BATCH: `goldmane-trail transform` without the command line's
// async runtime, metrics and progress, for counting the fold's instructions under callgrind
// (`scripts/instruction-guard.py`): the same `TransformJob`, called synchronously (its
// frame-ahead thread and concurrent hashing are plain dispatch threads, which callgrind
// follows and counts with the rest).
var arguments = Array(CommandLine.arguments.dropFirst())
guard let flag = arguments.firstIndex(of: "-o"), flag + 1 < arguments.count else {
    FileHandle.standardError.write(Data("usage: transform-probe ARCHIVE... -o BATCH\n".utf8))
    exit(64)
}
let output = arguments[flag + 1]
arguments.removeSubrange(flag...(flag + 1))
do {
    // As the command: the fold and the batch kept until exit, not freed (`KeptUntilExit`).
    var transform = TransformJob(inputs: arguments)
    transform.keepsFoldUntilExit = true
    let result = try transform.run()
    try result.batch.write(to: output)
    print("items \(result.batch.header.items.read)")
    KeptUntilExit.keep(result)
} catch {
    FileHandle.standardError.write(Data("transform-probe: \(error)\n".utf8))
    exit(1)
}
