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

    /// Joined label lists and zero-padded numbers, appended without making their Strings, give
    /// the order their texts give (`labels.joined(separator: "\u{0}")`, `sortable(port:)`).
    @Test func joinedAndDecimalFieldsSortAsTheirTexts() {
        var stream = CaseStream(state: 11)
        let numbers: [Int64] = [.min, -443, -1, 0, 7, 80, 443, 8_080, 65_535, 99_999_999_999, .max]
        let rows: [([String], Int64)] = (0..<20_000).map { _ in
            ((0..<stream.next(4)).map { _ in Self.field(&stream) }, numbers[stream.next(numbers.count)])
        }
        var keys = SortKeys(capacity: rows.count)
        for row in rows {
            keys.append(joined: row.0)
            keys.append(decimal: row.1, zeroPaddedTo: 20)
            keys.endKey()
        }
        let texts = rows.map { [$0.0.joined(separator: "\u{0}"), $0.1 < 0 ? String($0.1) : String(repeating: "0", count: 20 - String($0.1).count) + String($0.1)] }
        #expect(keys.ascendingOrder() == texts.indices.sorted { UTF8Order.precedes(texts[$0], texts[$1]) })
    }

    /// A policy identity's sort key orders identities as their `orderFields` do.
    @Test func policyIdentitiesSortAsTheirOrderFields() {
        var stream = CaseStream(state: 13)
        let types = EndpointType.allCases
        let ports: [Int64] = [-1, 0, 53, 443, 8_443, .max]
        let identities: [PolicyFlowIdentity] = (0..<20_000).map { _ in
            func decision() -> PolicyDecision {
                PolicyDecision(kind: Self.field(&stream), tier: Self.field(&stream), policy: Self.field(&stream),
                               rule: ports[stream.next(ports.count)], action: stream.next(3) == 0 ? nil : .allow, trigger: Self.field(&stream))
            }
            return PolicyFlowIdentity(
                srcType: types[stream.next(types.count)], srcNs: Self.field(&stream), srcWorkload: Self.field(&stream),
                srcLabels: (0..<stream.next(3)).map { _ in Self.field(&stream) }, dstType: types[stream.next(types.count)],
                dstNs: Self.field(&stream), dstWorkload: Self.field(&stream), dstLabels: (0..<stream.next(3)).map { _ in Self.field(&stream) },
                dstPort: ports[stream.next(ports.count)], proto: Self.field(&stream), reporter: stream.next(2) == 0 ? .src : .dst,
                action: stream.next(2) == 0 ? .allow : .deny, enforced: decision(), pending: decision())
        }
        var keys = SortKeys(capacity: identities.count, bytesPerKey: 256)
        for identity in identities { identity.appendSortKey(to: &keys) }
        #expect(keys.count == identities.count)
        #expect(keys.ascendingOrder() == identities.indices.sorted { UTF8Order.precedes(identities[$0].orderFields, identities[$1].orderFields) })
    }
}
