import ArgumentParser
import ObjectStore
import TrailFormat
import TrailSupport

@main
struct GoldmaneTrail: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "goldmane-trail",
        abstract: "A durable, reproducible record of who talks to whom, from Calico Goldmane's flow stream.",
        discussion: """
            The jobs of the pipeline, each a separate process:
              capture -> archive of sealed segments -> transform -> edge batch
                -> load -> PostgreSQL -> reports (digest, egress-report, policy-check,
                   query, graph)

            Exit codes (every command; `help COMMAND` adds its own details):
              0    success
              1    an unexpected error (a bug: please report it)
              2    health: the trail is stale, or a segment failed to load
              3    policy-check: the policies would block observed flows
              64   usage error (a bad flag or argument)
              65   corrupt, unsealed or refused input, named with its byte offset
              66   an input path is missing or holds no sealed segments
              69   unavailable: the database, Goldmane, Slack or Graphviz
              70   a database statement failed
              73   the output cannot be written
              74   an I/O error (capture: the archive cannot be written)
              75   another writer holds the lock (capture: another capture runs)
              76   capture: the TLS handshake with Goldmane failed
              77   database authentication failed
              78   configuration: no such database, no goldmane-trail tables,
                   capture's certificates or key, Slack refused the webhook
              130  capture stopped by SIGINT (sealed; the next run refills)
              143  capture stopped by SIGTERM (sealed; the next run refills)
            """,
        version: TrailVersion.current,
        subcommands: [
            CaptureCommand.self, TransformCommand.self, LoadCommand.self, EtlCommand.self, ReplayCommand.self, MigrateCommand.self,
            DigestCommand.self, EgressReportCommand.self, PolicyCheckCommand.self, QueryCommand.self, GraphCommand.self, DiffCommand.self, HealthCommand.self,
            CompactCommand.self, PruneCommand.self, VerifyCommand.self, InspectCommand.self, SummaryCommand.self, SamplesCommand.self,
        ]
    )

    /// Parses and runs the command. A job's failure (every stage's error is a `TrailError`)
    /// is logged here, once, and ends the process with the status of the one exit-code table,
    /// `ExitStatus`; argument-parser reports its own errors (usage: 64).
    static func main() async {
        MemoryTuning.apply()
        // Every path-based reader of the archive reads s3:// archives too.
        S3Archive.install()
        do {
            var command = try parseAsRoot()
            if var asynchronous = command as? any AsyncParsableCommand {
                try await asynchronous.run()
            } else {
                try command.run()
            }
        } catch let error as any TrailError {
            Diagnostics.error(error.description)
            exit(withError: ExitCode(error.exitStatus.rawValue))
        } catch {
            exit(withError: error)
        }
    }
}
