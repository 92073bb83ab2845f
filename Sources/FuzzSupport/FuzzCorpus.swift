import Foundation

/// What the fuzz targets share: the files a replayer runs (arguments, directories expanded,
/// sorted), and a scratch directory for targets that need a file on disk.
package enum FuzzCorpus {
    package static func files(_ arguments: some Sequence<String>) -> [String] {
        var files: [String] = []
        for argument in arguments {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: argument, isDirectory: &isDirectory) else { continue }
            if isDirectory.boolValue {
                let names = (try? FileManager.default.contentsOfDirectory(atPath: argument)) ?? []
                files += names.filter { !$0.hasPrefix(".") }.map { (argument as NSString).appendingPathComponent($0) }
            } else {
                files.append(argument)
            }
        }
        return files.sorted()
    }

    /// A directory of this process's own under the system's temporary directory.
    package static let scratch: String = {
        let path = (NSTemporaryDirectory() as NSString).appendingPathComponent("goldmane-trail-fuzz-\(getpid())")
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }()
}
