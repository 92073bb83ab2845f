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
        if let known = ids[value] { return (known, false) }
        let id = Int32(values.count)
        values.append(value)
        ids[value] = id
        return (id, true)
    }
}
