import ArgumentParser
import Foundation
import Policy
import Report
import TrailFormat
import TrailSupport

struct PolicyCheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "policy-check",
        abstract: "What-if: the observed flows that Kubernetes NetworkPolicies would block, before you apply them.",
        discussion: """
            Evaluates networking.k8s.io/v1 NetworkPolicies (YAML files or directories of them; \
            multi-document files and `kind: List`, as `kubectl get netpol -A -o yaml` prints) \
            against every distinct flow observed as allowed in the window (the policy_flow \
            table), with Kubernetes' semantics: a pod is isolated per direction by any policy that \
            selects it for that direction; rules are a union; a pod-to-pod flow needs egress at the \
            source and ingress at the destination. Namespace labels come from --namespaces \
            (`kubectl get ns -o yaml`); kubernetes.io/metadata.name is always set.

            Prints the flows the policies would block, with the namespace policies that isolate \
            them; flows a Calico tier above the Kubernetes policies decided (not counted: the \
            policies cannot change them); what flow data cannot decide (named ports, ipBlocks that \
            cover part of pub or pvt, host endpoints and network sets), with the reason; and the \
            rules no observed flow matched. pvt is taken to be RFC 1918 (10.0.0.0/8, \
            172.16.0.0/12, 192.168.0.0/16) and, with --ip-families 4,6, fc00::/7; pub every \
            other address. The window is rounded out to whole UTC days: the projection counts \
            per day.

            Exit codes:
              0    nothing observed would be blocked
              3    some observed flows would be blocked (a CI gate)
              65   invalid YAML or policy, named with file and line; tables built
                   before the policy projection (run replay)
              66   a policy path does not exist; no flow observed in the window
            """)

    enum Format: String, ExpressibleByArgument, CaseIterable { case md, json }

    @Option(parsing: .upToNextOption, help: ArgumentHelp("NetworkPolicy YAML files or directories (*.yaml, *.yml).", valueName: "path"))
    var policies: [String]

    @Option(help: ArgumentHelp("Namespace labels: `kubectl get ns -o yaml` output.", valueName: "file"))
    var namespaces: String?

    @Option(help: "The window: this long before now (default 14d).")
    var since: DurationArgument?

    @OptionGroup var range: WindowOptions<FromTo>

    /// `--from`/`--to`: an explicit window, instead of `--since`; its end defaults to now.
    enum FromTo: WindowFlagRules {
        static var fromHelp: ArgumentHelp { "The window's start (RFC 3339 UTC or Unix seconds), with --to." }
        static var toHelp: ArgumentHelp { "The window's end (default: now)." }
        static var pairing: WindowFlagPairing { .toNeedsFrom }
        static var withinArchiveYears: Bool { true }
    }

    @Option(help: ArgumentHelp("The IP families of the cluster's traffic, which pub and pvt are taken to span: 4, 6 or 4,6.", valueName: "families"))
    var ipFamilies: IPFamiliesArgument = IPFamiliesArgument(.ipv4)

    @Option(parsing: .upToNextOption, help: ArgumentHelp("More Calico tiers evaluated after default (their order is above 1,000,000), besides baselineadminnetworkpolicy and kube-baseline; every other tier is taken to come before it.", valueName: "tier"))
    var tiersAfterDefault: [String] = []

    @Option(help: "md (for people) or json (for machines).")
    var format: Format = .md

    @Option(name: .shortAndLong, help: "Write the result here instead of standard output.")
    var output: String?

    @OptionGroup var job: JobOptions

    /// `--from`/`--to` themselves are checked by `WindowOptions`.
    func validate() throws {
        if policies.isEmpty { throw ValidationError("--policies needs at least one file or directory") }
        if since != nil && range.isGiven { throw ValidationError("give --since or --from/--to, not both") }
    }

    /// The window as Unix seconds.
    var window: (from: Int64, to: Int64) {
        let now = TimeArgument.now
        if let from = range.from { return (from.seconds, range.to?.seconds ?? now) }
        return (now - (since ?? DurationArgument("14d")).seconds, now)
    }

    /// `--ip-families`, parsed once.
    struct IPFamiliesArgument: ExpressibleByArgument {
        let families: IPFamilies
        init(_ families: IPFamilies) { self.families = families }
        init?(argument: String) {
            guard let families = IPFamilies(argument) else { return nil }
            self.families = families
        }
        var defaultValueDescription: String { families.description }
    }

    @OptionGroup var clusterOptions: ClusterOptions

    func run() async throws {
        try await job.run("policy-check") { _ in
            let result = try check()
            if result.wouldBlock {
                throw fail("\(result.blocked.count) workload pair\(result.blocked.count == 1 ? "" : "s") observed as allowed would be blocked", code: .policyWouldBlock)
            }
        }
    }

    func check() throws -> PolicyCheck {
        let loaded = try PolicyFiles.load(policies)
        let labels = try namespaces.map { path throws(PolicyFileError) in try PolicyFiles.namespaces(path) } ?? NamespaceLabels()
        let store = try ReportSupport.store(clusters: clusterOptions)
        let (start, end) = window
        let assumptions = PolicyCheck.Assumptions(families: ipFamilies.families, tiersAfterDefault: PolicyDecision.tiersAfterDefault.union(tiersAfterDefault))
        let result = try ReportSupport.run { () throws(ReportError) in
            try PolicyCheck.run(policies: loaded, namespaces: labels, store: store, from: start, to: end, assumptions: assumptions)
        }
        switch format {
        case .md: try ReportSupport.emit(result.markdown(), to: output)
        case .json: try ReportSupport.emitJSON(result, to: output)
        }
        Diagnostics.info("policy-check: \(result.evaluated) distinct flows, \(result.blocked.count) would be blocked, \(result.decidedAbove.count) decided by a higher tier, \(result.undecidable.count) undecidable")
        return result
    }
}
