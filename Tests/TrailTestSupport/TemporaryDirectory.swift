import Foundation

/// A fresh directory under the system's temporary directory, removed on `remove()`.
public struct TemporaryDirectory: Sendable {
    public let path: String

    public init(_ label: String = "goldmane-trail-test") throws {
        path = (NSTemporaryDirectory() as NSString).appendingPathComponent("\(label)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    public func file(_ name: String) -> String { (path as NSString).appendingPathComponent(name) }

    public func remove() { try? FileManager.default.removeItem(atPath: path) }
}
