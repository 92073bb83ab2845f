/// The wide rows' keys, numbered in the order first seen (0, 1, 2...). A key is the bytes of
/// its fields (`WideEdgeKey.encode`): keys whose bytes are equal are one row, and a lookup
/// hashes bytes in a `ByteStringTable`, never Strings. (Byte-wise, as PostgreSQL's unique
/// keys and the batch's sort see the rows: two names that differ in bytes are two rows even
/// where Unicode calls them equivalent.)
final class WideKeyTable {
    private(set) var values: [WideEdgeKey] = []
    private var table = ByteStringTable(capacity: 1 << 12)
    @exclusivity(unchecked) private var scratch: [UInt8] = []

    var count: Int { values.count }

    subscript(id: Int32) -> WideEdgeKey { values[Int(id)] }

    /// The id of `key`, numbered when new.
    func id(of key: WideEdgeKey) -> (id: Int32, isNew: Bool) {
        key.encode(into: &scratch)
        return scratch.withUnsafeBytes { id(encoded: $0) { key } }
    }

    /// The id of the key whose encoding is `encoded`; `make` builds the key when it is new.
    @inline(__always)
    func id(encoded: UnsafeRawBufferPointer, make: () -> WideEdgeKey) -> (id: Int32, isNew: Bool) {
        let (id, isNew) = table.id(of: encoded)
        if isNew { values.append(make()) }
        return (id, isNew)
    }

    /// The fold is done: ids are only looked up from here on, never found by key.
    func releaseLookup() {
        table = ByteStringTable(capacity: 16)
        scratch = []
    }
}
