import GoldmaneAPI
import TrailFormat

/// One end of a synthetic flow, as Goldmane would name it.
struct Endpoint {
    var name: String
    var namespace: String
    var type: Goldmane_EndpointType
    var labels: [String]

    static func workload(_ namespace: String, _ name: String, identity: String? = nil, app: String? = nil) -> Endpoint {
        var labels = ["app.kubernetes.io/name=\(app ?? Self.appName(name))"]
        if let identity { labels.append("service-identity=\(identity)") }
        return Endpoint(name: name, namespace: namespace, type: .workloadEndpoint, labels: labels.sorted())
    }

    static func host(_ node: String) -> Endpoint {
        Endpoint(name: node, namespace: "-", type: .hostEndpoint, labels: ["kubernetes.io/hostname=\(node)"])
    }

    static func network(_ name: NetworkName) -> Endpoint {
        Endpoint(name: name.rawValue, namespace: "-", type: .network, labels: [])
    }

    static func networkSet(_ name: String, namespace: String = "-") -> Endpoint {
        Endpoint(name: name, namespace: namespace, type: .networkSet, labels: ["role=\(name)"])
    }

    private static func appName(_ name: String) -> String {
        var parts = name.split(separator: "-")
        if parts.last == "*" { parts.removeLast() }
        if parts.count > 1, let last = parts.last, last.count >= 6, last.contains(where: \.isNumber) { parts.removeLast() }
        return parts.joined(separator: "-")
    }
}

/// A recurring conversation between two ends: how often it shows up in a bucket and with
/// which verdict each reporter records it.
struct Conversation {
    var source: Endpoint
    var destination: Endpoint
    var port: Int64
    var proto: String
    var service: (namespace: String, name: String)?
    /// Probability that the conversation has traffic in a given 15-second bucket.
    var rate: Double
    /// The verdict per reporter; a reporter absent here does not report the flow.
    var verdicts: [(Goldmane_Reporter, Goldmane_Action)]
    /// When set, the conversation happens only in the bucket starting at this second of the UTC day.
    var dailyAt: Int64? = nil
    /// Every so often Goldmane re-exports a stale deny with zero counters (Calico #13608).
    var staleZeroCounters = false
    /// The reporters whose pending trace (with the staged policies in place) decides otherwise,
    /// and how: a staged policy of `samples/policies` must give that verdict.
    var staged: [(reporter: Goldmane_Reporter, action: Goldmane_Action)] = []
}
