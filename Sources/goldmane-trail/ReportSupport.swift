import ArgumentParser
import Foundation
import Load
import Report
import TrailDatabase
import TrailFormat
import TrailSupport

/// What the report commands share: a read-only connection (reports never migrate or lock),
/// exit codes for report failures, and writing output to stdout or a file.
enum ReportSupport {
    static func store(clusters: ClusterOptions? = nil) throws -> ReportStore {
        let connection = try PostgresConnection()
        return ReportStore(connection, ledger: Ledger(connection), clusters: clusters?.clusters)
    }

    /// Runs a report step; its failure (a `ReportError`) carries its exit status.
    static func run<T>(_ body: () throws(ReportError) -> T) throws -> T {
        try body()
    }

    /// Writes `text` to `path` (`AtomicFile`: a regular file is replaced atomically; a device or
    /// pipe such as /dev/null or /dev/stdout is written to, never replaced), or to standard
    /// output when nil or `-`.
    static func emit(_ text: String, to path: String?) throws {
        guard let path, path != "-" else {
            FileHandle.standardOutput.write(Data(text.utf8))
            return
        }
        do throws(SegmentError) {
            try AtomicFile.write(Array(text.utf8), to: path)
        } catch {
            throw fail("cannot write \(path): \(error)", code: .cannotCreate, cause: error)
        }
    }

    /// `value` as pretty-printed canonical JSON (sorted keys), newline-terminated.
    static func emitJSON(_ value: some Encodable, to path: String?) throws {
        let encoder = CanonicalJSON.encoder()
        encoder.outputFormatting.insert(.prettyPrinted)
        try emit(String(decoding: try encoder.encode(value), as: UTF8.self) + "\n", to: path)
    }
}

enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case table, json

}

/// The reports read the ledger through the Load stage's one owner of its queries.
extension Ledger: LedgerReading {}

/// `--cluster`, shared by every report.
struct ClusterOptions: ParsableArguments {
    @Option(name: .customLong("cluster"), help: "Report this cluster only (repeatable; default: every cluster).")
    var clusters: [String] = []
}
