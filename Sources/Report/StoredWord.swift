import TrailFormat

extension RawRepresentable where RawValue == String {
    /// A vocabulary word (action, endpoint type, reporter) read back from a table column: the
    /// tables hold only what the load writes, so any other text means they were written by
    /// something else, and the report stops rather than guess.
    static func stored(_ text: String, column: String) throws(ReportError) -> Self {
        guard let word = Self(rawValue: text) else {
            throw ReportError(.needsReplay, "the column \(column) holds \"\(text.prefix(64))\", which this build never writes: the tables were written by another version of goldmane-trail; rebuild them with `goldmane-trail replay`")
        }
        return word
    }
}
