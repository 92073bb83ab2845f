import TrailFormat

/// A namespace pair with a verdict.
package struct NamespacePair: Sendable, Hashable, Comparable, Encodable {
    package var source: String
    package var destination: String
    package var action: FlowAction

    package static func < (a: NamespacePair, b: NamespacePair) -> Bool {
        (a.source, a.destination, a.action.rawValue) < (b.source, b.destination, b.action.rawValue)
    }
}
