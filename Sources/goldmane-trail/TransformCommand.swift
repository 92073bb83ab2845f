import ArgumentParser
import Foundation
import TrailFormat
import TrailSupport
import Transform

struct TransformCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "transform",
        abstract: "Fold sealed segments into an edge batch (edge, wide and policy projections, with provenance).",
        discussion: """
            Inputs are segment files or archive directories (searched for *.seg). The batch is \
            byte-identical for the same items whatever the order of the inputs; items seen twice \
            (same FlowKey and bucket start, e.g. in overlapping windows) are folded once. \
            A corrupt or unsealed input stops the job with exit 65 and no batch is written, \
            unless --skip-corrupt is given: then the input is left out, named on standard error \
            and in the batch header's skipped_inputs.
            """)

    @Argument(help: "Segment files or archive directories; s3://BUCKET/PREFIX for an archive in a bucket, s3://BUCKET/KEY.seg for one object.")
    var inputs: [String]

    @Option(name: .shortAndLong, help: "Where to write the edge batch (JSON lines).")
    var output: String

    @Flag(help: "Leave corrupt or unsealed inputs out (and report them) instead of failing.")
    var skipCorrupt = false

    @OptionGroup var normalisation: NormalisationOptions
    @OptionGroup var job: JobOptions

    func run() async throws {
        try await job.run("transform") { metrics in try transform(metrics) }
    }

    func transform(_ metrics: JobMetrics) throws {
        var transform = TransformJob(inputs: inputs, settings: normalisation.settings, skipCorrupt: skipCorrupt)
        transform.keepsFoldUntilExit = true
        let result: TransformJob.Output
        let progress = ProgressBar(label: "transform")
        do { result = try transform.run { progress?.update($0) } } catch {
            progress?.finish()
            throw error
        }
        progress?.finish()
        metrics.set("goldmane_trail_segments_corrupt", result.batch.header.skippedInputs.count)
        metrics.set("goldmane_trail_items_loaded", result.batch.header.items.read)
        for warning in result.warnings { Diagnostics.warning(warning) }
        do { try result.batch.write(to: output) } catch {
            throw fail("cannot write \(output): \(error)", code: .cannotCreate, cause: error)
        }
        let header = result.batch.header
        // Not freed: the process exits next (`KeptUntilExit`).
        KeptUntilExit.keep(result)
        print("wrote \(output): \(header.edgeRows) edge rows, \(header.wideRows) wide rows, \(header.policyRows) policy rows from \(header.inputs.count) segments (\(header.items.read) items read, \(header.items.duplicates + header.items.conflictingDuplicates) duplicates, \(header.dropped.all.values.reduce(0, +)) dropped)")
    }
}

/// The normalisation settings (design §4), shared by every job that transforms.
struct NormalisationOptions: ParsableArguments {
    @Option(help: ArgumentHelp(
        "Namespaces whose workloads' identity is refined by the service-identity label (comma-separated; env SERVICE_IDENTITY_NAMESPACES).",
        valueName: "ns,ns"))
    var serviceIdentityNamespaces: String?

    @Option(help: "The pod label that names a service in those namespaces.")
    var serviceIdentityLabel = "service-identity"

    var settings: TransformSettings {
        let list = serviceIdentityNamespaces ?? ProcessInfo.processInfo.environment["SERVICE_IDENTITY_NAMESPACES"]
        let namespaces = list.map { Set($0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }) }
        return TransformSettings(
            serviceIdentityNamespaces: namespaces ?? TransformSettings.defaultServiceIdentityNamespaces,
            serviceIdentityLabel: serviceIdentityLabel)
    }

    func validate() throws {
        guard !serviceIdentityLabel.isEmpty, !serviceIdentityLabel.contains("=") else {
            throw ValidationError("--service-identity-label must be a label name (no '=')")
        }
    }
}
