import ArgumentParser
import Foundation
import Load
import TrailFormat

struct LoadCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "load",
        abstract: "Merge edge batches into PostgreSQL, one transaction per batch.",
        discussion: """
            Each batch's rows and the ledger rows of its input segments commit together. A batch
            whose segments are all in the ledger is skipped (reported); one partly loaded, or
            overlapping loaded data of the same cluster, is refused (exit 65) because loading it
            would double count.
            """)

    @Argument(help: "Edge batches written by `transform`.")
    var batches: [String]

    @OptionGroup var database: DatabaseOptions

    func run() throws {
        let connection = try database.connectAsWriter()
        defer { WriterLock.release(connection) }
        var refused = 0
        for path in batches {
            let batch: EdgeBatch
            do { batch = try EdgeBatch.read(path: path) } catch {
                throw fail("\(error)", code: ExitCodes.dataError)
            }
            do {
                switch try BatchLoader(connection: connection).load(batch, name: path) {
                case .loaded(let edges, let wide):
                    print("loaded \(path): \(edges) edge rows, \(wide) wide rows from \(batch.header.inputs.count) segments")
                case .skipped(let reason):
                    print("skipped \(path): \(reason)")
                }
            } catch where error.code == .refused {
                Diagnostics.error(error.description)
                refused += 1
            } catch {
                throw fail(error.description, code: ExitCodes.code(for: error))
            }
        }
        if refused > 0 { throw ExitCode(ExitCodes.dataError) }
    }
}
