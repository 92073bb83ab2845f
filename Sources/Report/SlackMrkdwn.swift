/// Text for Slack's mrkdwn. Slack treats only `&`, `<` and `>` as control characters
/// (`<!channel>`, `<@U123>`, `<url|text>`), so those are always entity-escaped. Formatting
/// (`*bold*`, `_italic_`, `~strike~`) has no escape, so every name from the data goes inside
/// an inline code span, where Slack applies none. A backtick would close the span, so it
/// becomes the look-alike U+02CB; control characters show as `\u{…}`.
public enum SlackMrkdwn {
    public static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            default:
                if scalar.properties.generalCategory == .control {
                    out += "\\u{\(String(scalar.value, radix: 16))}"
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out
    }

    /// A name from the data, shown verbatim and inert.
    public static func code(_ name: String) -> String {
        let inert = name.isEmpty ? "(empty)" : escape(name).replacingOccurrences(of: "`", with: "\u{02CB}")
        return "`\(inert)`"
    }

    /// Slack's limits count characters; UTF-16 code units never undercount them.
    static func length(_ text: String) -> Int { text.utf16.count }
}
