import GoldmaneAPI
import SwiftProtobuf

/// Builds FlowResult bytes the way Goldmane sends them, with the generated types.
package struct FlowFixture: Sendable {
    package var sourceName = "client-6d9f8b7c54-*"
    package var sourceNamespace = "app"
    package var sourceType: Goldmane_EndpointType = .workloadEndpoint
    package var sourceLabels: [String] = []
    package var destName = "server-7b5c9d6f48-*"
    package var destNamespace = "backend"
    package var destType: Goldmane_EndpointType = .workloadEndpoint
    package var destLabels: [String] = []
    package var destPort: Int64 = 8080
    package var serviceName = "server"
    package var serviceNamespace = "backend"
    package var proto = "tcp"
    package var reporter: Goldmane_Reporter = .src
    package var action: Goldmane_Action = .allow
    package var start: Int64 = 1_795_744_800
    package var packets: Int64 = 10
    package var bytes: Int64 = 1000
    package var connections: Int64 = 1
    package var live: Int64 = 0
    package var id: Int64 = 1
    /// The whole policy trace; nil: one hit of `fixture-policy` with the item's verdict.
    package var trace: Goldmane_PolicyTrace? = nil

    package init() {}

    package init(_ configure: (inout FlowFixture) -> Void) {
        configure(&self)
    }

    package var message: Goldmane_FlowResult {
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

    package var bytesOnWire: [UInt8] {
        // swift-protobuf serialises deterministically for a message without maps.
        (try? message.serializedBytes()) ?? []
    }
}
