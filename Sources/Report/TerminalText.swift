import TrailSupport
import TrailFormat

/// Names from the data on a terminal: control characters (escape sequences, newlines) are
/// shown as `\u{…}` instead of acting on the terminal.
package enum TerminalText {
    package static func visible(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else { return text }
        return TextEscape.escape(text)
    }
}
