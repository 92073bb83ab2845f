#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The fields of one archived `goldmane.FlowResult` that capture and transform need, read
/// straight from its wire bytes. Agrees with the generated `Goldmane_FlowResult` on every
/// field it reads (a test checks it on every sample record).
package struct FlowRecordView {
    package var id: Int64 = 0
    /// Where the `FlowKey` message's bytes are: the flow's identity.
    package var keyRange: Range<Int> = 0..<0
    package var hasKey = false
    /// Where the `Flow` message's bytes are (labels are read from it lazily).
    package var flowRange: Range<Int> = 0..<0
    package var startTime: Int64 = 0
    package var endTime: Int64 = 0
    package var packetsIn: Int64 = 0
    package var packetsOut: Int64 = 0
    package var bytesIn: Int64 = 0
    package var bytesOut: Int64 = 0
    package var connectionsStarted: Int64 = 0
    package var connectionsCompleted: Int64 = 0
    package var connectionsLive: Int64 = 0
    /// Where the `source_labels` and `dest_labels` fields are (tags included), and whether
    /// other fields sit between them (Go's encoder writes them together: they do not).
    package var labelsRange: Range<Int> = 0..<0
    package var labelsSplit = false

    package init() {}

    /// Parses a FlowResult; nil when its bytes are not a well-formed message. This is the
    /// per-item hot path of transform: one pass, no allocation.
    @inline(__always)
    package init?(record bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return }
        var position = 0
        let end = bytes.count
        var flow: Range<Int>? = nil
        while position < end {
            // Field number 0 is not protobuf (the generated decoder refuses it too).
            guard let tag = WireBytes.varint(base, &position, end), tag >> 3 != 0 else { return nil }
            switch tag & 7 {
            case 0:
                guard let value = WireBytes.varint(base, &position, end) else { return nil }
                if tag >> 3 == 1 { id = Int64(bitPattern: value) }
            case 2:
                guard let length = WireBytes.varint(base, &position, end), length <= UInt64(end - position) else { return nil }
                if tag >> 3 == 2 { flow = position..<position + Int(length) }
                position += Int(length)
            default:
                guard WireBytes.skipFixed(tag, &position, end) else { return nil }
            }
        }
        guard let flow else { return }
        flowRange = flow
        position = flow.lowerBound
        let flowEnd = flow.upperBound
        var labelStart = -1
        var labelEnd = -1
        while position < flowEnd {
            let fieldStart = position
            guard let tag = WireBytes.varint(base, &position, flowEnd), tag >> 3 != 0 else { return nil }
            switch tag & 7 {
            case 0:
                guard let raw = WireBytes.varint(base, &position, flowEnd) else { return nil }
                let value = Int64(bitPattern: raw)
                switch tag >> 3 {
                case 2: startTime = value
                case 3: endTime = value
                case 6: packetsIn = value
                case 7: packetsOut = value
                case 8: bytesIn = value
                case 9: bytesOut = value
                case 10: connectionsStarted = value
                case 11: connectionsCompleted = value
                case 12: connectionsLive = value
                default: break
                }
            case 2:
                guard let length = WireBytes.varint(base, &position, flowEnd), length <= UInt64(flowEnd - position) else { return nil }
                let field = tag >> 3
                if field == 1 {
                    keyRange = position..<position + Int(length)
                    hasKey = true
                } else if field == 4 || field == 5 {
                    if labelStart < 0 { labelStart = fieldStart } else if fieldStart != labelEnd { labelsSplit = true }
                    labelEnd = position + Int(length)
                }
                position += Int(length)
            default:
                guard WireBytes.skipFixed(tag, &position, flowEnd) else { return nil }
            }
        }
        if labelStart >= 0 { labelsRange = labelStart..<labelEnd }
    }

    /// True when every counter is zero: Goldmane can re-export a stale verdict with no traffic.
    package var hasNoTraffic: Bool {
        packetsIn == 0 && packetsOut == 0 && bytesIn == 0 && bytesOut == 0
            && connectionsStarted == 0 && connectionsCompleted == 0 && connectionsLive == 0
    }

    /// The value of the first `name=value` label of the source (field 4) or destination
    /// (field 5) whose name is `name`, as a range of `bytes`.
    @inline(__always)
    package func labelValueRange(_ bytes: UnsafeRawBufferPointer, destination: Bool, name: [UInt8]) -> Range<Int>? {
        guard let base = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return nil }
        let wanted: UInt64 = destination ? 5 : 4
        var position = flowRange.lowerBound
        let end = flowRange.upperBound
        while position < end {
            guard let tag = WireBytes.varint(base, &position, end) else { return nil }
            switch tag & 7 {
            case 0:
                guard WireBytes.varint(base, &position, end) != nil else { return nil }
            case 2:
                guard let length = WireBytes.varint(base, &position, end), length <= UInt64(end - position) else { return nil }
                let start = position
                position += Int(length)
                guard tag >> 3 == wanted, Int(length) > name.count, base[start + name.count] == UInt8(ascii: "=") else { continue }
                if name.withUnsafeBufferPointer({ memcmp(base + start, $0.baseAddress!, name.count) == 0 }) {
                    return (start + name.count + 1)..<position
                }
            default:
                guard WireBytes.skipFixed(tag, &position, end) else { return nil }
            }
        }
        return nil
    }

    /// The same, as a view of the bytes.
    package func labelValue(_ bytes: UnsafeRawBufferPointer, destination: Bool, name: [UInt8]) -> UnsafeRawBufferPointer? {
        labelValueRange(bytes, destination: destination, name: name).map { UnsafeRawBufferPointer(rebasing: bytes[$0]) }
    }
}
