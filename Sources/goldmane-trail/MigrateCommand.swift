import ArgumentParser
import Load

struct MigrateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Create or update the schema (migrations/*.sql); every database job also does this first.")

    @OptionGroup var database: DatabaseOptions

    func run() throws {
        _ = try database.connect()
        print("schema is up to date")
    }
}
