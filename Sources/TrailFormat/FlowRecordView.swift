/// The fields of one archived `goldmane.FlowResult` that capture and transform need, read
/// straight from its wire bytes. Agrees with the generated `Goldmane_FlowResult` on every
/// field it reads (a test checks it on every sample record).
public struct FlowRecordView {
    public var id: Int64 = 0
    /// Where the `FlowKey` message's bytes are: the flow's identity.
    public var keyRange: Range<Int> = 0..<0
    public var hasKey = false
    /// Where the `Flow` message's bytes are (labels are read from it lazily).
    public var flowRange: Range<Int> = 0..<0
    public var startTime: Int64 = 0
    public var endTime: Int64 = 0
    public var packetsIn: Int64 = 0
    public var packetsOut: Int64 = 0
    public var bytesIn: Int64 = 0
    public var bytesOut: Int64 = 0
    public var connectionsStarted: Int64 = 0
    public var connectionsCompleted: Int64 = 0
    public var connectionsLive: Int64 = 0

    public init() {}

    /// Parses a FlowResult; nil when its bytes are not a well-formed message.
    @inline(__always)
    public init?(record bytes: UnsafeRawBufferPointer) {
        var flow: Range<Int>? = nil
        var id: Int64 = 0
        let wellFormed = ProtoWire.forEachField(bytes, in: 0..<bytes.count) { field in
            switch (field.number, field.wireType) {
            case (1, .varint): id = Int64(bitPattern: field.value)
            case (2, .lengthDelimited): flow = field.payload
            default: break
            }
        }
        guard wellFormed else { return nil }
        self.id = id
        guard let flow else { return }
        flowRange = flow
        var view = self
        let flowWellFormed = ProtoWire.forEachField(bytes, in: flow) { field in
            if field.wireType == .varint {
                let value = Int64(bitPattern: field.value)
                switch field.number {
                case 2: view.startTime = value
                case 3: view.endTime = value
                case 6: view.packetsIn = value
                case 7: view.packetsOut = value
                case 8: view.bytesIn = value
                case 9: view.bytesOut = value
                case 10: view.connectionsStarted = value
                case 11: view.connectionsCompleted = value
                case 12: view.connectionsLive = value
                default: break
                }
            } else if field.number == 1 && field.wireType == .lengthDelimited {
                view.keyRange = field.payload
                view.hasKey = true
            }
        }
        guard flowWellFormed else { return nil }
        self = view
    }

    /// True when every counter is zero: Goldmane can re-export a stale verdict with no traffic.
    public var hasNoTraffic: Bool {
        packetsIn == 0 && packetsOut == 0 && bytesIn == 0 && bytesOut == 0
            && connectionsStarted == 0 && connectionsCompleted == 0 && connectionsLive == 0
    }

    /// The value of the first `name=value` label of the source (field 4) or destination
    /// (field 5) whose name is `name`, as raw bytes.
    public func labelValue(_ bytes: UnsafeRawBufferPointer, destination: Bool, name: [UInt8]) -> UnsafeRawBufferPointer? {
        let wanted: UInt64 = destination ? 5 : 4
        var found: Range<Int>? = nil
        _ = ProtoWire.forEachField(bytes, in: flowRange) { field in
            guard found == nil, field.number == wanted, field.wireType == .lengthDelimited,
                  field.payload.count > name.count, bytes[field.payload.lowerBound + name.count] == UInt8(ascii: "=") else { return }
            for index in 0..<name.count where bytes[field.payload.lowerBound + index] != name[index] { return }
            found = (field.payload.lowerBound + name.count + 1)..<field.payload.upperBound
        }
        return found.map { UnsafeRawBufferPointer(rebasing: bytes[$0]) }
    }
}
