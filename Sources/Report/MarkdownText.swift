import TrailSupport
import TrailFormat

/// Names from the data in Markdown: an inline code span (no emphasis, links or HTML inside)
/// with a fence longer than any backtick run in the name, `|` escaped for tables, and control
/// characters shown as `\u{…}`.
package enum MarkdownText {
    package static func code(_ name: String) -> String {
        if name.isEmpty { return "*(empty)*" }
        let text = TextEscape.escape(name) { $0 == "|" ? "\\|" : nil }
        var longest = 0, run = 0
        for character in text {
            run = character == "`" ? run + 1 : 0
            longest = max(longest, run)
        }
        let fence = String(repeating: "`", count: longest + 1)
        let pad = text.hasPrefix("`") || text.hasSuffix("`") ? " " : ""
        return fence + pad + text + pad + fence
    }
}

extension MarkdownText {
    /// Plain text for a table cell: pipes escaped, line breaks and control characters made
    /// spaces, so a name from the archive cannot break the table.
    package static func cell(_ text: String) -> String {
        TextEscape.escape(text) { scalar in
            if scalar == "|" { return "\\|" }
            return scalar.properties.generalCategory == .control ? " " : nil
        }
    }
}
