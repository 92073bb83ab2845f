import Foundation

/// A fresh directory under the system's temporary directory, removed on `remove()`.
package struct TemporaryDirectory: Sendable {
    package let path: String

    package init(_ label: String = "goldmane-trail-test") throws {
        path = (NSTemporaryDirectory() as NSString).appendingPathComponent("\(label)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    package func file(_ name: String) -> String { (path as NSString).appendingPathComponent(name) }

    package func remove() { try? FileManager.default.removeItem(atPath: path) }
}
