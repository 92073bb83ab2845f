import TrailFormat

/// The bytes that decide an ASCII FlowKey's wide row when labels do not refine it: equal
/// bytes, equal `WideEdgeKey`. A busy cluster has many FlowKeys per wide row (each rollout's
/// pod-template hash, each trace), so the fold looks a new key's wide row up by these bytes
/// and builds a `WideEdgeKey`'s Strings only for a row it has not seen.
///
/// The bytes hold, each string with its length: the source's type, namespace (`-` for
/// none), and name, trimmed as `EndpointNormalizer.workloadName` trims it when the end is a
/// workload in a namespace (a namespaced end's identity is its namespace; an end without one
/// is known by its raw name); the same for the destination; the service's namespace and
/// name as sent; the port, the protocol, the action and the reporter. Each `WideEdgeKey`
/// field is a function of these, which is all the lookup needs.
enum WideRowBytes {
    /// Writes `key`'s bytes into `bytes` (emptied first).
    @inline(__always)
    static func encode(_ key: FlowKeyBytes, record: UnsafeRawBufferPointer, into bytes: inout [UInt8]) {
        bytes.removeAll(keepingCapacity: true)
        end(type: key.sourceType, namespace: key.sourceNamespace, name: key.sourceName, record: record, into: &bytes)
        end(type: key.destType, namespace: key.destNamespace, name: key.destName, record: record, into: &bytes)
        string(record, key.destServiceNamespace, into: &bytes)
        string(record, key.destServiceName, into: &bytes)
        withUnsafeBytes(of: key.destPort.littleEndian) { bytes.append(contentsOf: $0) }
        string(record, key.proto, into: &bytes)
        bytes.append(UInt8(truncatingIfNeeded: (1...3).contains(key.action) ? key.action : 0))
        bytes.append(UInt8(truncatingIfNeeded: (1...2).contains(key.reporter) ? key.reporter : 0))
    }

    @inline(__always)
    private static func end(type wire: Int, namespace: Range<Int>, name: Range<Int>, record: UnsafeRawBufferPointer, into bytes: inout [UInt8]) {
        let type = (1...4).contains(wire) ? wire : 0
        bytes.append(UInt8(truncatingIfNeeded: type))
        let hasNamespace = !(namespace.isEmpty || (namespace.count == 1 && record[namespace.lowerBound] == UInt8(ascii: "-")))
        if hasNamespace {
            string(record, namespace, into: &bytes)
        } else {
            bytes.append(0)  // none: a string starts with 1
        }
        let trimmed = hasNamespace && EndpointType(wire: wire) == .workload ? EndpointNormalizer.workloadNameRange(record, name) : name
        string(record, trimmed, into: &bytes)
    }

    /// Appends 1, the length of `record[range]` (4 bytes), then its bytes.
    @inline(__always)
    private static func string(_ record: UnsafeRawBufferPointer, _ range: Range<Int>, into bytes: inout [UInt8]) {
        bytes.append(1)
        withUnsafeBytes(of: UInt32(truncatingIfNeeded: range.count).littleEndian) { bytes.append(contentsOf: $0) }
        bytes.append(contentsOf: UnsafeRawBufferPointer(rebasing: record[range]))
    }
}
