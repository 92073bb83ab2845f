import GoldmaneAPI
import Testing
import TrailFormat
import TrailTestSupport
@testable import Transform

/// The byte-domain lookup of a new key's wide row must never give a row the Strings would
/// not: equal `WideRowBytes`, equal `WideEdgeKey`; and `FlowKeyBytes` must accept exactly
/// the keys `FlowKeyView` accepts when it says they are ASCII.
@Suite struct WideRowBytesTests {
    @Test func trimmingBytesTrimsWhatStringsTrim() {
        // Every ASCII name of the characters that matter, up to 7 long, then random longer ones.
        let alphabet = Array("a-*0b9x".utf8)
        var names: [[UInt8]] = [[]]
        var frontier: [[UInt8]] = [[]]
        for _ in 0..<7 {
            frontier = frontier.flatMap { name in alphabet.map { name + [$0] } }
            names += frontier
        }
        var stream = CaseStream(state: 7)
        let long = Array("bcdfghjklmnpqrstvwxz2456789-*a1".utf8)
        for _ in 0..<20_000 {
            names.append((0..<(8 + stream.next(20))).map { _ in stream.pick(long) })
        }
        for name in ["traefik-7cbc567497-*", "fixer-tick-29804008-*", "calico-node-*", "single*", "postgres-0", "a--*", "-*", "*", "\r\n-bcd2fg-*"] {
            names.append(Array(name.utf8))
        }
        var mismatches: [String] = []
        for name in names {
            let text = String(decoding: name, as: UTF8.self)
            let range = name.withUnsafeBytes { EndpointNormalizer.workloadNameRange($0, 0..<name.count) }
            let trimmed = String(decoding: name[range], as: UTF8.self)
            if trimmed != EndpointNormalizer.workloadName(text) { mismatches.append(text) }
        }
        #expect(names.count > 900_000)
        #expect(mismatches.isEmpty, "bytes and Strings trim these differently: \(mismatches.prefix(10))")
    }

    @Test func equalBytesMeanEqualWideKeysAndBytesAcceptWhatViewsAccept() throws {
        var stream = CaseStream(state: 11)
        let names = ["", "-", "*", "api-*", "api-7cbc567497-*", "api-7cbc567498-*", "api-29804008-*", "api", "api-0", "pub", "pvt", "x-bcdfg2-*"]
        let namespaces = ["", "-", "shop", "payments"]
        var byBytes: [[UInt8]: WideEdgeKey] = [:]
        var conflicts = 0
        var asciiKeys = 0
        var shared = 0
        var mismatches = 0
        for _ in 0..<60_000 {
            var key = Goldmane_FlowKey()
            key.sourceName = stream.pick(names)
            key.sourceNamespace = stream.mostly("shop", else: namespaces)
            key.sourceType = Goldmane_EndpointType(rawValue: stream.mostly(1, else: [0, 2, 3, 4, 5])) ?? .unspecified
            key.destName = stream.pick(names)
            key.destNamespace = stream.mostly("payments", else: namespaces)
            key.destType = Goldmane_EndpointType(rawValue: stream.mostly(1, else: [0, 2, 3, 4, 5])) ?? .unspecified
            key.destPort = Int64(stream.mostly(53, else: [0, 443, -1]))
            key.destServiceName = stream.mostly("api", else: ["", "-", "db"])
            key.destServiceNamespace = stream.mostly("payments", else: namespaces)
            key.destServicePortName = stream.pick(["", "http"])
            key.proto = stream.mostly("tcp", else: ["udp", ""])
            key.reporter = Goldmane_Reporter(rawValue: stream.mostly(1, else: [0, 2, 3])) ?? .src
            key.action = Goldmane_Action(rawValue: stream.mostly(1, else: [0, 2, 3, 4])) ?? .allow
            var bytes: [UInt8] = try key.serializedBytes()
            // Repeated fields (the last wins), a non-ASCII name, bytes that are not UTF-8.
            switch stream.next(8) {
            case 0: bytes += [0x0A, 3] + Array("api".utf8)
            case 1: bytes += [0x12, 2] + Array("é".utf8)
            case 2: bytes += [0x22, 2, 0xC3, 0x28]
            case 3: bytes += [0x38, 0x91, 0x03]  // port 401
            case 4: bytes += [0x52, 1, 0xFF]  // service port name, not UTF-8
            default: break
            }
            try bytes.withUnsafeBytes { record in
                let view = FlowKeyView(record, range: 0..<record.count)
                guard let parsed = FlowKeyBytes(record, range: 0..<record.count) else {
                    #expect(view == nil)
                    return
                }
                guard parsed.isASCII else { return }
                asciiKeys += 1
                let wideKey = WideEdgeKey(key: try #require(view), srcLabel: nil, dstLabel: nil)
                var scratch: [UInt8] = []
                let count = WideRowBytes.encode(parsed, record: record, keyLength: record.count, into: &scratch)
                let encoded = Array(scratch[0..<count])
                // The one encoding: from the wire bytes as from the key's Strings.
                var fromStrings: [UInt8] = []
                wideKey.encode(into: &fromStrings)
                if fromStrings != encoded { mismatches += 1 }
                if let known = byBytes[encoded] {
                    shared += 1
                    if known != wideKey { conflicts += 1 }
                } else {
                    byBytes[encoded] = wideKey
                }
            }
        }
        #expect(asciiKeys > 30_000)
        // Many keys share their bytes with an earlier one (so equality was tested).
        #expect(byBytes.count > 1_000 && shared > 10_000, "\(byBytes.count) byte keys, \(shared) shared, \(asciiKeys) ASCII keys")
        #expect(conflicts == 0)
        #expect(mismatches == 0, "WideRowBytes and WideEdgeKey.encode disagree")
    }

    /// The keys that make the longest wide rows for their size (each namespace written twice,
    /// a service of namespace and name, names of one byte or thousands) stay within
    /// `WideRowBytes.capacity` and agree with the Strings' encoding.
    @Test func theLongestWideRowsFitTheirCapacity() throws {
        var checked = 0
        for namespaceLength in [1, 2, 63, 4_096] {
            for nameLength in [0, 1, 2, 4_096] {
                var key = Goldmane_FlowKey()
                key.sourceNamespace = String(repeating: "s", count: namespaceLength)
                key.destNamespace = String(repeating: "d", count: namespaceLength)
                key.sourceName = String(repeating: "a", count: nameLength)
                key.destName = String(repeating: "b", count: nameLength) + (nameLength > 0 ? "-7cbc567497-*" : "")
                key.sourceType = .workloadEndpoint
                key.destType = .workloadEndpoint
                key.destServiceName = String(repeating: "v", count: nameLength)
                key.destServiceNamespace = String(repeating: "w", count: namespaceLength)
                key.destPort = .min
                key.proto = ""
                let bytes: [UInt8] = try key.serializedBytes()
                try bytes.withUnsafeBytes { record in
                    let parsed = try #require(FlowKeyBytes(record, range: 0..<record.count))
                    var scratch: [UInt8] = []
                    let count = WideRowBytes.encode(parsed, record: record, keyLength: record.count, into: &scratch)
                    #expect(count <= WideRowBytes.capacity(keyLength: record.count))
                    var fromStrings: [UInt8] = []
                    WideEdgeKey(key: try #require(FlowKeyView(record, range: 0..<record.count)), srcLabel: nil, dstLabel: nil).encode(into: &fromStrings)
                    #expect(Array(scratch[0..<count]) == fromStrings)
                }
                checked += 1
            }
        }
        #expect(checked == 16)
    }

    /// Names that Unicode calls equivalent but whose bytes differ are two rows, as they are
    /// two keys to PostgreSQL, in byte order whatever order they came in.
    @Test func equivalentNamesWithOtherBytesAreTwoRowsInByteOrder() throws {
        let directory = try TemporaryDirectory("wide-bytes")
        defer { directory.remove() }
        let composed = "caf\u{E9}"  // é as one scalar
        let decomposed = "cafe\u{301}"  // e and a combining accent
        #expect(composed == decomposed && Array(composed.utf8) != Array(decomposed.utf8))
        func flows(_ names: [String]) -> [FlowFixture] {
            names.enumerated().map { index, namespace in
                var flow = FlowFixture()
                flow.sourceNamespace = namespace
                flow.start = 1_795_744_800 + Int64(index) * 15
                return flow
            }
        }
        let forward = try directory.segment("forward.seg", flows([composed, decomposed, composed]))
        let backward = try directory.segment("backward.seg", flows([decomposed, composed, decomposed]))
        let one = try transform([forward])
        let other = try transform([backward])
        #expect(one.wide.count == 2 && other.wide.count == 2)
        #expect(one.wide.map { Array($0.srcNs.utf8) } == [Array(decomposed.utf8), Array(composed.utf8)])
        #expect(other.wide.map { Array($0.srcNs.utf8) } == one.wide.map { Array($0.srcNs.utf8) })
    }
}
