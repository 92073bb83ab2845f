/// A `goldmane.FlowKey` read straight from its wire bytes (the fields the fold normalises).
/// Enum fields stay raw numbers so that values this build does not know survive.
package struct FlowKeyView: Equatable, Sendable {
    package var sourceName = ""
    package var sourceNamespace = ""
    package var sourceType = 0
    package var destName = ""
    package var destNamespace = ""
    package var destType = 0
    package var destPort: Int64 = 0
    package var destServiceName = ""
    package var destServiceNamespace = ""
    package var destServicePortName = ""
    package var destServicePort: Int64 = 0
    package var proto = ""
    package var reporter = 0
    package var action = 0

    package init() {}

    /// Parses the FlowKey in `range` of `bytes`; nil when malformed.
    package init?(_ bytes: UnsafeRawBufferPointer, range: Range<Int>) {
        var key = FlowKeyView()
        var validText = true
        let wellFormed = ProtoWire.forEachField(bytes, in: range) { field in
            if field.wireType == .lengthDelimited {
                // proto3 strings are UTF-8 (Goldmane's Go encoder refuses anything else): bytes
                // that are not make the key malformed, never a silently repaired name.
                let raw = UnsafeRawBufferPointer(rebasing: bytes[field.payload])
                let text = String(decoding: raw, as: UTF8.self)
                // Decoding repairs invalid UTF-8; repaired text no longer equals its bytes.
                guard text.utf8.elementsEqual(raw) else {
                    switch field.number {
                    case 1, 2, 4, 5, 8, 9, 10, 12: validText = false
                    default: break
                    }
                    return
                }
                switch field.number {
                case 1: key.sourceName = text
                case 2: key.sourceNamespace = text
                case 4: key.destName = text
                case 5: key.destNamespace = text
                case 8: key.destServiceName = text
                case 9: key.destServiceNamespace = text
                case 10: key.destServicePortName = text
                case 12: key.proto = text
                default: break
                }
            } else if field.wireType == .varint {
                let value = Int64(bitPattern: field.value)
                switch field.number {
                case 3: key.sourceType = Int(truncatingIfNeeded: value)
                case 6: key.destType = Int(truncatingIfNeeded: value)
                case 7: key.destPort = value
                case 11: key.destServicePort = value
                case 13: key.reporter = Int(truncatingIfNeeded: value)
                case 14: key.action = Int(truncatingIfNeeded: value)
                default: break
                }
            }
        }
        guard wellFormed, validText else { return nil }
        self = key
    }
}
