import Foundation
import Testing
import TrailFormat
import TrailTestSupport

/// The batch's row writer against the encoder it replaces (`CanonicalJSON`, Foundation's
/// JSONEncoder with sorted keys): the same bytes for every row of the committed samples'
/// batch, for hostile names, for every control character and byte-order edge, and for the
/// extreme numbers.
@Suite struct CanonicalRowWriterTests {
    static func throughEncoder(_ batch: EdgeBatch) throws -> [UInt8] {
        let encoder = CanonicalJSON.encoder()
        var bytes: [UInt8] = []
        for row in batch.edges { bytes += try encoder.encode(row) + [UInt8(ascii: "\n")] }
        for row in batch.wide { bytes += try encoder.encode(row) + [UInt8(ascii: "\n")] }
        for row in batch.policy { bytes += try encoder.encode(row) + [UInt8(ascii: "\n")] }
        return bytes
    }

    static func written(_ batch: EdgeBatch) throws -> [UInt8] {
        try EdgeBatch.rowLines(edges: batch.edges, wide: batch.wide, policy: batch.policy)
    }

    @Test func everyRowOfTheSamplesBatchIsWhatTheEncoderWrites() throws {
        let golden = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("samples/golden-batch.jsonl").path
        let batch = try EdgeBatch.read(path: golden)
        #expect(batch.edges.count > 100 && batch.wide.count > 300 && batch.policy.count > 300)
        #expect(try Self.written(batch) == Self.throughEncoder(batch))
    }

    @Test func hostileStringsAndExtremeNumbersAreWrittenAsTheEncoderWritesThem() throws {
        var names = EdgeBatchFileTests.hostile
        names.append(String(decoding: (0..<0x20).map { UInt8($0) }, as: UTF8.self))
        names += ["\u{7F}", "\u{2028}\u{2029}", "\u{FEFF}bom", "😀", "\"", "\\", "/", "a\"b\\c", ""]
        var batch = EdgeBatchFileTests().batch(names: names)
        batch.edges[0].bytesIn = .max
        batch.edges[0].packetsIn = .min
        batch.wide[0].dstPort = -1
        batch.policy[0].identity.enforced.rule = .min
        batch.edges[1].day = nil
        #expect(try Self.written(batch) == Self.throughEncoder(batch))
        // Random strings of every byte class, many times.
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<200 {
            let scalars = (0..<Int.random(in: 0...24, using: &generator)).map { _ -> Character in
                let pick = Int.random(in: 0..<4, using: &generator)
                let value: UInt32 = pick == 0 ? UInt32.random(in: 0..<0x20, using: &generator)
                    : pick == 1 ? UInt32.random(in: 0x20..<0x80, using: &generator)
                    : pick == 2 ? UInt32.random(in: 0x80..<0xD800, using: &generator) : UInt32.random(in: 0x1F300..<0x1F600, using: &generator)
                return Character(Unicode.Scalar(value)!)
            }
            let random = EdgeBatchFileTests().batch(names: [String(scalars)])
            #expect(try Self.written(random) == Self.throughEncoder(random), "\(String(scalars).debugDescription)")
        }
    }

    /// Rows far larger than the writer's first memory, with strings that escape to exactly six
    /// times their size (`\u0001`, the bound the writer makes room for) and every control
    /// character: its memory grows, by doubling and more, and the bytes stay the encoder's.
    @Test func rowsLargerThanTheWritersMemoryAreWrittenWhole() throws {
        let sixfold = String(repeating: "\u{1}", count: 100_000)
        let controls = String(decoding: (0..<256 * 1024).map { UInt8($0 % 0x20) }, as: UTF8.self)
        let plain = String(repeating: "wide-", count: 200_000)
        let batch = EdgeBatchFileTests().batch(names: [sixfold, controls, plain, "short"])
        let written = try Self.written(batch)
        #expect(written == (try Self.throughEncoder(batch)))
        #expect(written.count > 6 * sixfold.utf8.count, "the six-fold string is in the rows, escaped")
        // The file's writer (in pieces) too.
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.file("batch.jsonl")
        try batch.write(to: path)
        #expect(try [UInt8](Data(contentsOf: URL(fileURLWithPath: path))) == (try batch.encoded()))
    }

    @Test func theFileWrittenInPiecesIsTheWholeEncodingAtOnce() throws {
        // More rows than one piece holds (4,096), so the hash and the file span several.
        let names = (0..<3_000).map { "ns-\($0)-" + EdgeBatchFileTests.hostile[$0 % EdgeBatchFileTests.hostile.count] }
        let batch = EdgeBatchFileTests().batch(names: names)
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.file("batch.jsonl")
        try batch.write(to: path)
        let written = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        #expect(written == (try batch.encoded()))
        #expect(try EdgeBatch.read(path: path).policy.count == 3_000)
    }
}
