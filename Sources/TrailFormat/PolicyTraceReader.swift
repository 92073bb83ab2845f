/// Reads the deciding hits of a `FlowKey`'s `PolicyTrace` (field 15) straight from its wire
/// bytes: the enforced trace (what the dataplane did) and the pending one (what staged
/// policies would do).
package enum PolicyTraceReader {
    /// Where the trace (field 15) of the FlowKey in `range` of `bytes` is: an empty range at
    /// the key's end when it has none; nil when the key is not a well-formed message.
    package static func traceRange(_ bytes: UnsafeRawBufferPointer, key range: Range<Int>) -> Range<Int>? {
        var trace = range.upperBound..<range.upperBound
        var scanner = ProtoWire.Scanner(bytes, in: range)
        while let field = scanner.next() {
            if field.number == 15 && field.wireType == .lengthDelimited { trace = field.payload }
        }
        return scanner.isMalformed ? nil : trace
    }

    /// Both deciding hits of the PolicyTrace in `trace` of `bytes` (`.none` for an empty
    /// trace); `.malformed` when it is not a well-formed message.
    package static func decisions(_ bytes: UnsafeRawBufferPointer, trace: Range<Int>) -> (enforced: PolicyDecision, pending: PolicyDecision) {
        var enforced: [Hit] = []
        var pending: [Hit] = []
        var traceScanner = ProtoWire.Scanner(bytes, in: trace)
        while let field = traceScanner.next() {
            guard field.wireType == .lengthDelimited, field.number == 1 || field.number == 2 else { continue }
            guard let hit = Hit(bytes, range: field.payload) else { return (.malformed, .malformed) }
            if field.number == 1 { enforced.append(hit) } else { pending.append(hit) }
        }
        if traceScanner.isMalformed { return (.malformed, .malformed) }
        return (decide(enforced), decide(pending))
    }

    /// The first allow or deny in `policy_index` order (stable for equal indexes).
    static func decide(_ hits: [Hit]) -> PolicyDecision {
        let ordered = hits.enumerated().sorted { ($0.element.policyIndex, $0.offset) < ($1.element.policyIndex, $1.offset) }
        guard let hit = ordered.first(where: { FlowAction(wire: $0.element.action).isFinal })?.element else { return .none }
        let trigger = hit.trigger.map { "\(PolicyKind(wire: $0.kind).name) \($0.qualifiedName)" } ?? ""
        return PolicyDecision(kind: PolicyKind(wire: hit.kind).name, tier: hit.tier, policy: hit.qualifiedName,
                              rule: hit.ruleIndex, action: FlowAction(wire: hit.action), trigger: trigger)
    }

    struct Hit {
        var kind = 0
        var namespace = ""
        var name = ""
        var tier = ""
        var action = 0
        var policyIndex: Int64 = 0
        var ruleIndex: Int64 = 0
        var trigger: Trigger? = nil

        struct Trigger {
            var kind: Int
            var qualifiedName: String
        }

        var qualifiedName: String { namespace.isEmpty ? name : "\(namespace)/\(name)" }

        init?(_ bytes: UnsafeRawBufferPointer, range: Range<Int>, nested: Bool = false) {
            var scanner = ProtoWire.Scanner(bytes, in: range)
            while let field = scanner.next() {
                switch (field.number, field.wireType) {
                case (1, .varint): kind = Int(truncatingIfNeeded: field.value)
                case (5, .varint): action = Int(truncatingIfNeeded: field.value)
                case (6, .varint): policyIndex = Int64(bitPattern: field.value)
                case (7, .varint): ruleIndex = Int64(bitPattern: field.value)
                case (2, .lengthDelimited), (3, .lengthDelimited), (4, .lengthDelimited):
                    let raw = UnsafeRawBufferPointer(rebasing: bytes[field.payload])
                    let text = String(decoding: raw, as: UTF8.self)
                    // proto3 strings are UTF-8: bytes that are not make the hit malformed.
                    guard text.utf8.elementsEqual(raw) else { return nil }
                    if field.number == 2 { namespace = text } else if field.number == 3 { name = text } else { tier = text }
                case (8, .lengthDelimited):
                    // A trigger is one level deep; a deeper one is not Goldmane's.
                    guard !nested, let inner = Hit(bytes, range: field.payload, nested: true) else { return nil }
                    trigger = Trigger(kind: inner.kind, qualifiedName: inner.qualifiedName)
                default: break
                }
            }
            if scanner.isMalformed { return nil }
        }
    }
}
