import Foundation
import GoldmaneAPI
import SwiftProtobuf
import Testing
import TrailFormat
import TrailTestSupport

/// The fast wire reader must agree with the generated types on every field it reads, on
/// every record of the committed samples.
@Suite struct WireReaderAgreementTests {
    @Test func agreesWithTheGeneratedTypesOnEverySampleRecord() throws {
        let root = SegmentFixture.repositoryRoot + "/samples/archive"
        let walker = try #require(FileManager.default.enumerator(atPath: root))
        let segments = walker.compactMap { $0 as? String }.filter { $0.hasSuffix(".seg") }.sorted()
        #expect(segments.count >= 8)
        var checked = 0
        for segment in segments {
            for bytes in try SegmentFixture.records(of: root + "/" + segment) {
                let message = try Goldmane_FlowResult(serializedBytes: bytes)
                try bytes.withUnsafeBytes { raw in
                    let view = try #require(FlowRecordView(record: raw))
                    let flow = message.flow
                    #expect(view.id == message.id)
                    #expect(view.hasKey == flow.hasKey)
                    #expect(view.startTime == flow.startTime && view.endTime == flow.endTime)
                    #expect(view.packetsIn == flow.packetsIn && view.packetsOut == flow.packetsOut)
                    #expect(view.bytesIn == flow.bytesIn && view.bytesOut == flow.bytesOut)
                    #expect(view.connectionsStarted == flow.numConnectionsStarted)
                    #expect(view.connectionsCompleted == flow.numConnectionsCompleted)
                    #expect(view.connectionsLive == flow.numConnectionsLive)
                    // The key's bytes are exactly the key message's encoding.
                    #expect(Array(raw[view.keyRange]) == (try flow.key.serializedBytes() as [UInt8]))
                    let key = try #require(FlowKeyView(raw, range: view.keyRange))
                    #expect(key.sourceName == flow.key.sourceName && key.sourceNamespace == flow.key.sourceNamespace)
                    #expect(key.sourceType == flow.key.sourceType.rawValue && key.destType == flow.key.destType.rawValue)
                    #expect(key.destName == flow.key.destName && key.destNamespace == flow.key.destNamespace)
                    #expect(key.destPort == flow.key.destPort && key.destServicePort == flow.key.destServicePort)
                    #expect(key.destServiceName == flow.key.destServiceName && key.destServiceNamespace == flow.key.destServiceNamespace)
                    #expect(key.destServicePortName == flow.key.destServicePortName && key.proto == flow.key.proto)
                    #expect(key.reporter == flow.key.reporter.rawValue && key.action == flow.key.action.rawValue)
                    let identity = flow.sourceLabels.first { $0.hasPrefix("service-identity=") }.map { String($0.dropFirst(17)) }
                    let read = view.labelValue(raw, destination: false, name: Array("service-identity".utf8)).map { String(decoding: $0, as: UTF8.self) }
                    #expect(read == identity)
                    let destinationIdentity = flow.destLabels.first { $0.hasPrefix("service-identity=") }.map { String($0.dropFirst(17)) }
                    let destinationRead = view.labelValue(raw, destination: true, name: Array("service-identity".utf8)).map { String(decoding: $0, as: UTF8.self) }
                    #expect(destinationRead == destinationIdentity)
                }
                checked += 1
            }
        }
        #expect(checked > 10_000)
    }
}
