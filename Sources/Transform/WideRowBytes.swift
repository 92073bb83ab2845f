import TrailFormat

/// The bytes of the wide row of an ASCII FlowKey that labels do not refine, made from the
/// key's wire bytes: exactly what `WideEdgeKey(key:srcLabel:dstLabel:).encode` gives for it
/// (the tests hold the two equal), without making a String. A busy cluster has many FlowKeys
/// per wide row (each rollout's pod-template hash, each trace), so the fold finds a new key's
/// row by these bytes and builds the `WideEdgeKey`'s Strings only for a row not seen yet.
enum WideRowBytes {
    /// The most bytes the wide row of a FlowKey of `keyLength` bytes can take: each of the
    /// key's strings is written at most twice (a namespace is also the identity), plus the
    /// lengths, codes, port and the few bytes the encoding adds (`-`, `/`).
    static func capacity(keyLength: Int) -> Int { 2 * keyLength + 64 }

    /// Writes the bytes of `key`'s wide row at the start of `bytes` (grown to `capacity` when
    /// smaller) and returns how many there are. `keyLength`: the FlowKey's length in bytes.
    @inline(__always)
    static func encode(_ key: FlowKeyBytes, record: UnsafeRawBufferPointer, keyLength: Int, into bytes: inout [UInt8]) -> Int {
        let capacity = capacity(keyLength: keyLength)
        if bytes.count < capacity { bytes = [UInt8](repeating: 0, count: max(capacity, 2 * bytes.count)) }
        return bytes.withUnsafeMutableBytes { buffer in
            var out = ByteWriter(buffer)
            end(type: key.sourceType, namespace: key.sourceNamespace, name: key.sourceName, record: record, into: &out)
            end(type: key.destType, namespace: key.destNamespace, name: key.destName, record: record, into: &out)
            service(namespace: key.destServiceNamespace, name: key.destServiceName, record: record, into: &out)
            out.port(key.destPort)
            out.string(record, key.proto)
            out.byte(WideKeyEncoding.code(FlowAction(wire: key.action)))
            out.byte(WideKeyEncoding.code(Reporter(wire: key.reporter)))
            return out.position
        }
    }

    /// Type, namespace (`-` for none), identity (the namespace; the name for an end without
    /// one), workload (the name, trimmed as `EndpointNormalizer.workloadName` trims a workload's).
    @inline(__always)
    private static func end(type wire: Int, namespace: Range<Int>, name: Range<Int>, record: UnsafeRawBufferPointer, into out: inout ByteWriter) {
        let type = EndpointType(wire: wire)
        out.byte(WideKeyEncoding.code(type))
        if isNone(namespace, record) {
            out.length(1)
            out.byte(UInt8(ascii: "-"))
            out.string(record, name)
        } else {
            out.string(record, namespace)
            out.string(record, namespace)
        }
        out.string(record, type.isWorkload ? EndpointNormalizer.workloadNameRange(record, name) : name)
    }

    /// `-` when there is no service name; else `namespace/name`, or the name alone.
    @inline(__always)
    private static func service(namespace: Range<Int>, name: Range<Int>, record: UnsafeRawBufferPointer, into out: inout ByteWriter) {
        if isNone(name, record) {
            out.length(1)
            out.byte(UInt8(ascii: "-"))
        } else if isNone(namespace, record) {
            out.string(record, name)
        } else {
            out.length(namespace.count + 1 + name.count)
            out.bytes(record, namespace)
            out.byte(UInt8(ascii: "/"))
            out.bytes(record, name)
        }
    }

    /// Empty or `-`: no namespace, no service (`EndpointNormalizer.namespace`).
    @inline(__always)
    private static func isNone(_ range: Range<Int>, _ record: UnsafeRawBufferPointer) -> Bool {
        range.isEmpty || (range.count == 1 && record[range.lowerBound] == UInt8(ascii: "-"))
    }

    /// Appends into a buffer of fixed size: every write is checked against its end (a wrong
    /// `capacity` traps), and copies are `memcpy`s, not an `Array`'s element-wise append.
    private struct ByteWriter {
        let buffer: UnsafeMutableRawBufferPointer
        var position = 0

        init(_ buffer: UnsafeMutableRawBufferPointer) { self.buffer = buffer }

        @inline(__always)
        mutating func byte(_ value: UInt8) {
            precondition(position < buffer.count, "a wide row longer than its capacity")
            buffer[position] = value
            position += 1
        }

        @inline(__always)
        mutating func length(_ count: Int) {
            precondition(position + 4 <= buffer.count, "a wide row longer than its capacity")
            buffer.storeBytes(of: UInt32(truncatingIfNeeded: count).littleEndian, toByteOffset: position, as: UInt32.self)
            position += 4
        }

        @inline(__always)
        mutating func port(_ value: Int64) {
            precondition(position + 8 <= buffer.count, "a wide row longer than its capacity")
            buffer.storeBytes(of: value.littleEndian, toByteOffset: position, as: Int64.self)
            position += 8
        }

        @inline(__always)
        mutating func bytes(_ record: UnsafeRawBufferPointer, _ range: Range<Int>) {
            guard !range.isEmpty else { return }
            precondition(position + range.count <= buffer.count && range.upperBound <= record.count, "a wide row longer than its capacity")
            (buffer.baseAddress! + position).copyMemory(from: record.baseAddress! + range.lowerBound, byteCount: range.count)
            position += range.count
        }

        @inline(__always)
        mutating func string(_ record: UnsafeRawBufferPointer, _ range: Range<Int>) {
            length(range.count)
            bytes(record, range)
        }
    }
}
