import Testing
import TrailFormat
import TrailTestSupport

/// `SortKeys` must order rows exactly as `UTF8Order.precedes` orders their field lists (and
/// numbers numerically): the batch's row order, and so its bytes, rest on it.
@Suite struct SortKeysTests {
    /// Fields built from pieces that meet at the edges the encoding must get right: a field
    /// that is a prefix of another, 0x00 and 0x01 bytes (the escape's own bytes), bytes above
    /// 0x7F, the empty field.
    static func field(_ stream: inout CaseStream) -> String {
        let pieces = ["", "a", "ab", "a\u{0}", "\u{0}", "\u{0}\u{1}", "\u{1}", "b", "é", "日本", "\u{7F}", "z"]
        return (0..<stream.next(3)).map { _ in pieces[stream.next(pieces.count)] }.joined()
    }

    @Test func textFieldsSortAsTheirFieldLists() {
        var stream = CaseStream(state: 3)
        let rows: [[String]] = (0..<20_000).map { _ in (0..<2).map { _ in Self.field(&stream) } }
        var keys = SortKeys(capacity: rows.count)
        for row in rows {
            for field in row { keys.append(field) }
            keys.endKey()
        }
        let expected = rows.indices.sorted { UTF8Order.precedes(rows[$0], rows[$1]) }
        #expect(keys.ascendingOrder() == expected)
        // Ties kept in index order, and many of them (so that was tested).
        #expect(Set(rows).count < rows.count - 2_000)
    }

    @Test func numbersSortNumericallyAmongTextFields() {
        var stream = CaseStream(state: 5)
        let numbers: [Int64] = [.min, -65_536, -1, 0, 1, 255, 256, 443, 65_535, .max]
        let rows: [(String, Int64, String)] = (0..<20_000).map { _ in
            (Self.field(&stream), numbers[stream.next(numbers.count)], Self.field(&stream))
        }
        var keys = SortKeys(capacity: rows.count)
        for row in rows {
            keys.append(row.0)
            keys.append(row.1)
            keys.append(row.2)
            keys.endKey()
        }
        let expected = rows.indices.sorted {
            let (a, b) = (rows[$0], rows[$1])
            if a.0 != b.0 || Array(a.0.utf8) != Array(b.0.utf8) { return UTF8Order.precedes([a.0], [b.0]) }
            if a.1 != b.1 { return a.1 < b.1 }
            return UTF8Order.precedes([a.2], [b.2])
        }
        #expect(keys.ascendingOrder() == expected)
    }
}
