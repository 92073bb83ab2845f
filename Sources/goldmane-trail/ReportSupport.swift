import ArgumentParser
import Foundation
import Report
import TrailDatabase

/// What the report commands share: a read-only connection (reports never migrate or lock),
/// exit codes for report failures, and writing output to stdout or a file.
enum ReportSupport {
    static func store() throws -> ReportStore {
        do { return ReportStore(try PostgresConnection()) } catch {
            throw fail(error.description, code: ExitCodes.code(for: error))
        }
    }

    static func exitCode(for error: ReportError) -> Int32 {
        switch error.code {
        case .database(let code): ExitCodes.code(for: DatabaseError(code, ""))
        case .noSchema, .slackRejected: ExitCodes.config
        case .slackUnavailable, .graphviz: ExitCodes.unavailable
        case .badArgument: ExitCodes.usage
        case .output: ExitCodes.cannotCreate
        }
    }

    /// Runs a report step, turning its failure into the documented exit.
    static func run<T>(_ body: () throws(ReportError) -> T) throws -> T {
        do { return try body() } catch { throw fail(error.description, code: exitCode(for: error)) }
    }

    /// Writes `text` to `path` (replaced atomically), or to standard output when nil or `-`.
    static func emit(_ text: String, to path: String?) throws {
        guard let path, path != "-" else {
            FileHandle.standardOutput.write(Data(text.utf8))
            return
        }
        do { try Data(text.utf8).write(to: URL(fileURLWithPath: path), options: .atomic) } catch {
            throw fail("cannot write \(path): \(error.localizedDescription)", code: ExitCodes.cannotCreate)
        }
    }
}

enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case table, json
}
