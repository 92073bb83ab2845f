/// The wide rows' keys, numbered in the order first seen (0, 1, 2...). A key is the bytes of
/// its fields (`WideEdgeKey.encode`): keys whose bytes are equal are one row, and a lookup
/// hashes bytes in a `ByteStringTable`, never Strings. (Byte-wise, as PostgreSQL's unique
/// keys and the batch's sort see the rows: two names that differ in bytes are two rows even
/// where Unicode calls them equivalent.) During the fold only the bytes are kept, about 100
/// per row; a key's Strings are made when asked for (`subscript`), and all of them once the
/// fold is done (`finish`).
final class WideKeyTable {
    private var table = ByteStringTable(capacity: 1 << 12)
    @exclusivity(unchecked) private var scratch: [UInt8] = []
    /// Every key, once `finish` has made them.
    private(set) var finished: [WideEdgeKey]? = nil

    var count: Int { finished?.count ?? table.count }

    /// Key `id`'s fields.
    subscript(id: Int32) -> WideEdgeKey {
        if let finished { return finished[Int(id)] }
        return table.withBytes(id) { WideEdgeKey(encoded: $0) }
    }

    /// The id of `key`, numbered when new.
    func id(of key: WideEdgeKey) -> (id: Int32, isNew: Bool) {
        key.encode(into: &scratch)
        return scratch.withUnsafeBytes { id(encoded: $0) }
    }

    /// The id of the key whose encoding is `encoded`, numbered when new.
    @inline(__always)
    func id(encoded: UnsafeRawBufferPointer) -> (id: Int32, isNew: Bool) {
        precondition(finished == nil, "a key added to a finished table")
        return table.id(of: encoded)
    }

    /// The fold is done: every key as Strings, and the bytes and the lookup go.
    @discardableResult
    func finish() -> [WideEdgeKey] {
        if let finished { return finished }
        let keys = (0..<table.count).map { self[Int32($0)] }
        finished = keys
        table = ByteStringTable(capacity: 16)
        scratch = []
        return keys
    }
}
