/// A namespace pair with a verdict.
package struct NamespacePair: Sendable, Hashable, Comparable, Encodable {
    package var source: String
    package var destination: String
    package var action: String

    package static func < (a: NamespacePair, b: NamespacePair) -> Bool {
        (a.source, a.destination, a.action) < (b.source, b.destination, b.action)
    }
}
