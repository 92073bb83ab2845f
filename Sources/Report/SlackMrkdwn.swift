import TrailSupport
import TrailFormat

/// Text for Slack's mrkdwn. Slack treats only `&`, `<` and `>` as control characters
/// (`<!channel>`, `<@U123>`, `<url|text>`), so those are always entity-escaped. Formatting
/// (`*bold*`, `_italic_`, `~strike~`) has no escape, so every name from the data goes inside
/// an inline code span, where Slack applies none. A backtick would close the span, so it
/// becomes the look-alike U+02CB; control characters show as `\u{…}`.
package enum SlackMrkdwn {
    package static func escape(_ text: String) -> String {
        TextEscape.escape(text) { scalar in
            switch scalar {
            case "&": "&amp;"
            case "<": "&lt;"
            case ">": "&gt;"
            default: nil
            }
        }
    }

    /// A name from the data, shown verbatim and inert.
    package static func code(_ name: String) -> String {
        let inert = name.isEmpty ? "(empty)" : escape(name).replacingOccurrences(of: "`", with: "\u{02CB}")
        return "`\(inert)`"
    }

    /// Slack's limits count characters; UTF-16 code units never undercount them.
    static func length(_ text: String) -> Int { text.utf16.count }
}
