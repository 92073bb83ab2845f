import Crypto

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// SHA-256 of a whole file, as `sha256sum` prints it: the identity of an archived input.
package enum ContentHash {
    package static func sha256(path: String) throws(SegmentError) -> String {
        try sha256(file: FileHandleIO(path: path, flags: O_RDONLY))
    }

    /// SHA-256 of `bytes`, in lowercase hex.
    package static func sha256(bytes: some Sequence<UInt8>) -> String {
        hex(SHA256.hash(data: Array(bytes)))
    }

    static func hex(_ digest: some Sequence<UInt8>) -> String {
        digest.map { byte in
            let hex = String(byte, radix: 16)
            return hex.count == 1 ? "0" + hex : hex
        }.joined()
    }

    /// Hashes an open file from its first byte to its end.
    package static func sha256(file: FileHandleIO) throws(SegmentError) -> String {
        var hasher = SHA256()
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        var offset = 0
        while true {
            let got = try file.read(at: offset, into: &buffer)
            if got == 0 { break }
            buffer.withUnsafeBytes { hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: $0[0..<got])) }
            offset += got
        }
        return hex(hasher.finalize())
    }
}
