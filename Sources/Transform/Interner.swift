/// Values numbered in the order they are first seen (0, 1, 2...): equal values share one id,
/// and an id is an index into `values`. The fold's tables of wide rows, ends, decisions, label
/// sets, identities and policy rows are each one of these; raw bytes are interned by
/// `ByteStringTable`, which never builds a value.
struct Interner<Value: Hashable> {
    private(set) var values: [Value] = []
    private var ids: [Value: Int32] = [:]

    init() {}

    /// A table whose id 0 is `first`.
    init(first: Value) {
        _ = id(of: first)
    }

    var count: Int { values.count }

    subscript(id: Int32) -> Value { values[Int(id)] }

    /// The id of `value`, numbered when new; `isNew` says it was.
    @inline(__always)
    mutating func id(of value: Value) -> (id: Int32, isNew: Bool) {
        // One hash and one probe, found or not: the slot is made (-1) when new, then numbered.
        let next = Int32(values.count)
        let id = Self.number(&ids[value, default: -1], next: next)
        if id == next { values.append(value) }
        return (id, id == next)
    }

    @inline(__always)
    private static func number(_ slot: inout Int32, next: Int32) -> Int32 {
        if slot < 0 { slot = next }
        return slot
    }
}
