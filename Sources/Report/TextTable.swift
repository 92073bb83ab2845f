/// A plain-text table with left-aligned columns, for terminals and logs.
package struct TextTable {
    package var headers: [String]
    package var rows: [[String]] = []

    package init(headers: [String]) { self.headers = headers }

    package mutating func add(_ row: [String]) { rows.append(row) }

    package func render(indent: String = "  ") -> String {
        var widths = headers.map(\.count)
        for row in rows {
            for (index, cell) in row.enumerated() where index < widths.count { widths[index] = max(widths[index], cell.count) }
        }
        func line(_ cells: [String]) -> String {
            let padded = cells.enumerated().map { index, cell in
                index == cells.count - 1 ? cell : cell + String(repeating: " ", count: widths[index] - cell.count)
            }
            return indent + padded.joined(separator: "  ")
        }
        return ([line(headers)] + rows.map(line)).joined(separator: "\n")
    }
}
