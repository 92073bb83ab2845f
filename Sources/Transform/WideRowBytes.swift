import TrailFormat

/// The bytes of the wide row of an ASCII FlowKey that labels do not refine, made from the
/// key's wire bytes: exactly what `WideEdgeKey(key:srcLabel:dstLabel:).encode` gives for it
/// (the tests hold the two equal), without making a String. A busy cluster has many FlowKeys
/// per wide row (each rollout's pod-template hash, each trace), so the fold finds a new key's
/// row by these bytes and builds the `WideEdgeKey`'s Strings only for a row not seen yet.
enum WideRowBytes {
    /// Writes the bytes of `key`'s wide row into `bytes` (emptied first).
    @inline(__always)
    static func encode(_ key: FlowKeyBytes, record: UnsafeRawBufferPointer, into bytes: inout [UInt8]) {
        bytes.removeAll(keepingCapacity: true)
        end(type: key.sourceType, namespace: key.sourceNamespace, name: key.sourceName, record: record, into: &bytes)
        end(type: key.destType, namespace: key.destNamespace, name: key.destName, record: record, into: &bytes)
        service(namespace: key.destServiceNamespace, name: key.destServiceName, record: record, into: &bytes)
        WideKeyEncoding.port(key.destPort, into: &bytes)
        string(record, key.proto, into: &bytes)
        bytes.append(WideKeyEncoding.code(FlowAction(wire: key.action)))
        bytes.append(WideKeyEncoding.code(Reporter(wire: key.reporter)))
    }

    /// Type, namespace (`-` for none), identity (the namespace; the name for an end without
    /// one), workload (the name, trimmed as `EndpointNormalizer.workloadName` trims a workload's).
    @inline(__always)
    private static func end(type wire: Int, namespace: Range<Int>, name: Range<Int>, record: UnsafeRawBufferPointer, into bytes: inout [UInt8]) {
        let type = EndpointType(wire: wire)
        bytes.append(WideKeyEncoding.code(type))
        if isNone(namespace, record) {
            WideKeyEncoding.length(1, into: &bytes)
            bytes.append(UInt8(ascii: "-"))
            string(record, name, into: &bytes)
        } else {
            string(record, namespace, into: &bytes)
            string(record, namespace, into: &bytes)
        }
        string(record, type == .workload ? EndpointNormalizer.workloadNameRange(record, name) : name, into: &bytes)
    }

    /// `-` when there is no service name; else `namespace/name`, or the name alone.
    @inline(__always)
    private static func service(namespace: Range<Int>, name: Range<Int>, record: UnsafeRawBufferPointer, into bytes: inout [UInt8]) {
        if isNone(name, record) {
            WideKeyEncoding.length(1, into: &bytes)
            bytes.append(UInt8(ascii: "-"))
        } else if isNone(namespace, record) {
            string(record, name, into: &bytes)
        } else {
            WideKeyEncoding.length(namespace.count + 1 + name.count, into: &bytes)
            bytes.append(contentsOf: UnsafeRawBufferPointer(rebasing: record[namespace]))
            bytes.append(UInt8(ascii: "/"))
            bytes.append(contentsOf: UnsafeRawBufferPointer(rebasing: record[name]))
        }
    }

    /// Empty or `-`: no namespace, no service (`EndpointNormalizer.namespace`).
    @inline(__always)
    private static func isNone(_ range: Range<Int>, _ record: UnsafeRawBufferPointer) -> Bool {
        range.isEmpty || (range.count == 1 && record[range.lowerBound] == UInt8(ascii: "-"))
    }

    @inline(__always)
    private static func string(_ record: UnsafeRawBufferPointer, _ range: Range<Int>, into bytes: inout [UInt8]) {
        WideKeyEncoding.length(range.count, into: &bytes)
        bytes.append(contentsOf: UnsafeRawBufferPointer(rebasing: record[range]))
    }
}
