import ArgumentParser
import TrailFormat

@main
struct GoldmaneTrail: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "goldmane-trail",
        abstract: "A durable, reproducible record of who talks to whom, from Calico Goldmane's flow stream.",
        discussion: """
            The jobs of the pipeline, each a separate process:
              capture -> archive of sealed segments -> transform -> edge batch -> load -> PostgreSQL -> reports

            Exit codes: 0 success; 64 usage error; 65 corrupt, unsealed or refused input; 66 input
            missing; 69 database, Slack or Graphviz unavailable; 70 a database statement failed; 73 output cannot be
            written; 74 I/O error; 75 another writer holds the lock; 77 database authentication
            failed; 2 health: the trail is stale; 78 database does not exist, has no goldmane-trail tables, or Slack refused the
            webhook or channel; 1 anything else.
            """,
        version: TrailVersion.current,
        subcommands: [
            CaptureCommand.self, TransformCommand.self, LoadCommand.self, EtlCommand.self, ReplayCommand.self, MigrateCommand.self,
            DigestCommand.self, EgressReportCommand.self, QueryCommand.self, GraphCommand.self, DiffCommand.self, HealthCommand.self,
            VerifyCommand.self, InspectCommand.self, SummaryCommand.self, SamplesCommand.self,
        ]
    )
}
