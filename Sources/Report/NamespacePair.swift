/// A namespace pair with a verdict.
public struct NamespacePair: Sendable, Hashable, Comparable, Encodable {
    public var source: String
    public var destination: String
    public var action: String

    public static func < (a: NamespacePair, b: NamespacePair) -> Bool {
        (a.source, a.destination, a.action) < (b.source, b.destination, b.action)
    }
}
