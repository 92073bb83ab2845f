/// Names from the data in Markdown: an inline code span (no emphasis, links or HTML inside)
/// with a fence longer than any backtick run in the name, `|` escaped for tables, and control
/// characters shown as `\u{…}`.
public enum MarkdownText {
    public static func code(_ name: String) -> String {
        if name.isEmpty { return "*(empty)*" }
        var text = ""
        for scalar in name.unicodeScalars {
            if scalar == "|" { text += "\\|" }
            else if scalar.properties.generalCategory == .control { text += "\\u{\(String(scalar.value, radix: 16))}" }
            else { text.unicodeScalars.append(scalar) }
        }
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
