import Foundation
import GoldmaneAPI
import SwiftProtobuf
import Testing
import TrailFormat
import TrailTestSupport

/// Records are kept exactly as received: fields this build does not know (a future
/// FlowKey.source_ip, a 3.30 PolicyKind) survive the archive byte for byte.
@Suite struct WireCompatibilityTests {
    let start: Int64 = 1_795_744_800

    /// A FlowResult with unknown fields at three depths, appended as Goldmane would encode them.
    func recordWithUnknownFields() throws -> [UInt8] {
        var message = FlowFixture { $0.start = start }.message
        var key = message.flow.key
        // A PolicyHit with kind 7 (AdminNetworkPolicy in Calico 3.30/3.31).
        var hit = Goldmane_PolicyHit()
        hit.kind = .UNRECOGNIZED(7)
        hit.name = "anp-baseline"
        key.policies.enforcedPolicies.append(hit)
        // FlowKey 16: source_ip (proposed upstream, PR #10714), a string.
        let keyBytes: [UInt8] = try key.serializedBytes() + [0x82, 0x01, 0x08] + Array("10.0.0.7".utf8)
        message.flow.key = try Goldmane_FlowKey(serializedBytes: keyBytes)
        // Flow 20: a fixed64 field.
        let flowBytes: [UInt8] = try message.flow.serializedBytes() + [0xA1, 0x01, 1, 2, 3, 4, 5, 6, 7, 8]
        message.flow = try Goldmane_Flow(serializedBytes: flowBytes)
        // FlowResult 9: a varint.
        return try message.serializedBytes() + [0x48, 0x2A]
    }

    @Test func unknownFieldsAreKeptByteForByte() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let record = try recordWithUnknownFields()
        let path = directory.file("unknown.seg")
        try SegmentFixture.write([(record, start)], to: path, windowStart: start, windowEnd: start + 900)
        let stored = try SegmentFixture.records(of: path)
        #expect(stored == [record])
        let decoded = try Goldmane_FlowResult(serializedBytes: stored[0])
        #expect(!decoded.unknownFields.data.isEmpty)
        #expect(!decoded.flow.key.unknownFields.data.isEmpty)
        #expect(decoded.flow.key.policies.enforcedPolicies.last?.kind == .UNRECOGNIZED(7))
        #expect(try decoded.serializedBytes() == record)
        _ = try SegmentVerifier.verify(path: path)
    }

    @Test func theWireReaderSkipsUnknownFields() throws {
        let record = try recordWithUnknownFields()
        let message = try Goldmane_FlowResult(serializedBytes: record)
        try record.withUnsafeBytes { bytes in
            let view = try #require(FlowRecordView(record: bytes))
            #expect(view.startTime == message.flow.startTime)
            #expect(view.packetsOut == message.flow.packetsOut)
            let key = try #require(FlowKeyView(bytes, range: view.keyRange))
            #expect(key.sourceName == message.flow.key.sourceName)
            #expect(key.destPort == message.flow.key.destPort)
        }
    }

    @Test func aRecordThatIsNotProtobufIsAWarningNotDamage() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.file("garbage.seg")
        // A group start tag (wire type 3): not something Goldmane ever sends, inside a sound frame.
        try SegmentFixture.write([([0x0B, 0x01], start)], to: path, windowStart: start, windowEnd: start + 900)
        let report = try SegmentVerifier.verify(path: path)
        #expect(report.undecodable.count == 1)
        #expect(report.undecodable.first?.frame == 0)
        #expect(report.undecodable.first?.record == 0)
        #expect(report.undecodable.first?.description.contains("garbage.seg: data frame 0 at byte") == true)
    }
}
