import CLinux
import Foundation
import Testing
import TrailTestSupport
@testable import TrailFormat

/// The uncached writer gives the file exactly the bytes it was given, in pieces of any size
/// across its buffer's edges, to a regular file (directly where the file system allows it) and
/// to a pipe (never directly: O_DIRECT on a pipe would cut what a reader gets into packets).
@Suite struct UncachedWriterTests {
    /// Pieces of awkward sizes: empty, one byte, one short of a block, more than the buffer.
    static func pieces() -> [[UInt8]] {
        var state: UInt64 = 1
        let sizes = [0, 1, 4095, 4097, 100, UncachedWriter.bufferSize + 3, 7, UncachedWriter.bufferSize - 9, 12_345]
        return sizes.map { size in
            (0..<size).map { _ in
                state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                return UInt8(truncatingIfNeeded: state >> 56)
            }
        }
    }

    @Test func aRegularFileGetsExactlyItsBytes() throws {
        let directory = try TemporaryDirectory("uncached")
        defer { directory.remove() }
        let pieces = Self.pieces()
        let path = directory.file("out.bin")
        let file = try FileHandleIO(path: path, flags: O_WRONLY | O_CREAT | O_TRUNC)
        let writer = UncachedWriter(file: file)
        // ext4 and XFS (this machine's, and most nodes') take direct writes.
        var system = statfs()
        #expect(statfs(directory.path, &system) == 0)
        if [0xEF53, 0x5846_5342].contains(Int(system.f_type)) { #expect(writer.isDirect) }
        for piece in pieces { try writer.write(piece) }
        try writer.finish()
        #expect(!writer.isDirect, "the unaligned tail is written buffered")
        let written = try Data(contentsOf: URL(fileURLWithPath: path))
        #expect(written.count == pieces.map(\.count).reduce(0, +))
        #expect(written == Data(pieces.joined()))
    }

    @Test func aPipeIsNeverWrittenDirectly() throws {
        var ends: [Int32] = [0, 0]
        #expect(pipe(&ends) == 0)
        let reader = FileHandle(fileDescriptor: ends[0], closeOnDealloc: true)
        let pieces = Self.pieces()
        nonisolated(unsafe) var received = Data()
        let done = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            received = reader.readDataToEndOfFile()
            done.signal()
        }
        do {
            let writer = UncachedWriter(file: FileHandleIO(descriptor: ends[1], path: "pipe"))
            #expect(!writer.isDirect)
            for piece in pieces { try writer.write(piece) }
            try writer.finish()
        }
        done.wait()
        #expect(received == Data(pieces.joined()))
    }
}
