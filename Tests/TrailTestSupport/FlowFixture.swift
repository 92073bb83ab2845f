import GoldmaneAPI
import SwiftProtobuf

/// Builds FlowResult bytes the way Goldmane sends them, with the generated types.
public struct FlowFixture: Sendable {
    public var sourceName = "client-6d9f8b7c54-*"
    public var sourceNamespace = "app"
    public var sourceType: Goldmane_EndpointType = .workloadEndpoint
    public var sourceLabels: [String] = []
    public var destName = "server-7b5c9d6f48-*"
    public var destNamespace = "backend"
    public var destType: Goldmane_EndpointType = .workloadEndpoint
    public var destLabels: [String] = []
    public var destPort: Int64 = 8080
    public var serviceName = "server"
    public var serviceNamespace = "backend"
    public var proto = "tcp"
    public var reporter: Goldmane_Reporter = .src
    public var action: Goldmane_Action = .allow
    public var start: Int64 = 1_795_744_800
    public var packets: Int64 = 10
    public var bytes: Int64 = 1000
    public var connections: Int64 = 1
    public var live: Int64 = 0
    public var id: Int64 = 1
    /// The whole policy trace; nil: one hit of `fixture-policy` with the item's verdict.
    public var trace: Goldmane_PolicyTrace? = nil

    public init() {}

    public init(_ configure: (inout FlowFixture) -> Void) {
        configure(&self)
    }

    public var message: Goldmane_FlowResult {
        var key = Goldmane_FlowKey()
        key.sourceName = sourceName
        key.sourceNamespace = sourceNamespace
        key.sourceType = sourceType
        key.destName = destName
        key.destNamespace = destNamespace
        key.destType = destType
        key.destPort = destPort
        key.destServiceName = serviceName
        key.destServiceNamespace = serviceNamespace
        key.destServicePortName = "-"
        key.destServicePort = destPort
        key.proto = proto
        key.reporter = reporter
        key.action = action
        var hit = Goldmane_PolicyHit()
        hit.kind = .calicoNetworkPolicy
        hit.name = "fixture-policy"
        hit.namespace = destNamespace
        hit.tier = "default"
        hit.action = action
        key.policies.enforcedPolicies = [hit]
        if let trace { key.policies = trace }
        var flow = Goldmane_Flow()
        flow.key = key
        flow.startTime = start
        flow.endTime = start + 15
        flow.sourceLabels = sourceLabels
        flow.destLabels = destLabels
        flow.packetsOut = packets
        flow.packetsIn = packets / 2
        flow.bytesOut = bytes
        flow.bytesIn = bytes / 2
        flow.numConnectionsStarted = connections
        flow.numConnectionsCompleted = connections
        flow.numConnectionsLive = live
        var result = Goldmane_FlowResult()
        result.id = id
        result.flow = flow
        return result
    }

    public var bytesOnWire: [UInt8] {
        // swift-protobuf serialises deterministically for a message without maps.
        (try? message.serializedBytes()) ?? []
    }
}
