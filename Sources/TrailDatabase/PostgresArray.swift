/// PostgreSQL array literals for bound parameters (`$1::text[]`): every element
/// double-quoted, `"` and `\` backslash-escaped, so any text arrives as it is.
package enum PostgresArray {
    package static func text(_ values: [String]) -> String {
        "{" + values.map { value in
            var quoted = "\""
            for scalar in value.unicodeScalars {
                if scalar == "\"" || scalar == "\\" { quoted.unicodeScalars.append("\\") }
                quoted.unicodeScalars.append(scalar)
            }
            return quoted + "\""
        }.joined(separator: ",") + "}"
    }
}
