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

            Exit codes: 0 success; 64 usage error; 65 corrupt or unsealed input; 66 input missing;
            73 output cannot be written; 74 I/O error; 1 anything else.
            """,
        version: TrailVersion.current,
        subcommands: [InspectCommand.self, VerifyCommand.self, TransformCommand.self, SummaryCommand.self, SamplesCommand.self]
    )
}
