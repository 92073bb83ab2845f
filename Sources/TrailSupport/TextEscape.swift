/// Escaping for text that came from the data (namespace names, workloads) on its way into
/// another format: each scalar is kept, or replaced by what `replacement` returns for it.
/// Control characters that `replacement` leaves alone become a visible `\u{…}`.
package enum TextEscape {
    package static func escape(_ text: String, _ replacement: (Unicode.Scalar) -> String? = { _ in nil }) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            if let replaced = replacement(scalar) {
                out += replaced
            } else if scalar.properties.generalCategory == .control {
                out += visible(scalar)
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// `\u{1b}`: a control character, shown instead of acting.
    package static func visible(_ scalar: Unicode.Scalar) -> String {
        "\\u{\(String(scalar.value, radix: 16))}"
    }
}
