import ArgumentParser
import Foundation
import Policy
import Report
import TrailFormat
import TrailSupport

struct PolicyCheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "policy-check",
        abstract: "What-if: the observed flows that Kubernetes or Calico policies would block, before you apply them; --reproduce checks the files against what Goldmane recorded.",
        discussion: """
            Evaluates networking.k8s.io/v1 NetworkPolicies (YAML files or directories of them; \
            multi-document files and `kind: List`, as `kubectl get netpol -A -o yaml` prints) \
            against every distinct flow observed as allowed in the window (the policy_flow \
            table), with Kubernetes' semantics: a pod is isolated per direction by any policy that \
            selects it for that direction; rules are a union; a pod-to-pod flow needs egress at the \
            source and ingress at the destination. Namespace labels come from --namespaces \
            (`kubectl get ns -o yaml`); kubernetes.io/metadata.name is always set.

            With Calico's kinds among the files (projectcalico.org/v3 NetworkPolicy, \
            GlobalNetworkPolicy, Tier, the staged kinds; typed lists as `kubectl get -o yaml` \
            prints them), every policy is evaluated as Felix does: tiers in order, policies by \
            order then name, rules in order; Allow and Deny decide, Pass goes to the next tier, \
            end of tier denies (or passes, as the tier says), no policy at all: the profile's \
            allow. Kubernetes NetworkPolicies are in tier default at order 1000. Staged policies \
            are evaluated in place of the enforced ones. Each line then shows the hit that would \
            decide beside the one that decides today (from Goldmane's trace). \
            --reproduce compares, for every observed flow and direction, the hit the files give \
            with the one Goldmane recorded: give the cluster's current policies, to learn whether \
            the model and the files can be trusted before a what-if.

            Prints the flows the policies would block, with the namespace policies that isolate \
            them; flows a Calico tier above the Kubernetes policies decided (not counted: the \
            policies cannot change them); what flow data cannot decide (named ports, ipBlocks that \
            cover part of pub or pvt, host endpoints and network sets), with the reason; and the \
            rules no observed flow matched. pvt is taken to be RFC 1918 (10.0.0.0/8, \
            172.16.0.0/12, 192.168.0.0/16) and, with --ip-families 4,6, fc00::/7; pub every \
            other address. The window is rounded out to whole UTC days: the projection counts \
            per day.

            Exit codes:
              0    nothing observed would be blocked; --reproduce: every hit agrees
              3    some observed flows would be blocked (a CI gate), or with
                   --fail-on-undecidable some cannot be decided; --reproduce: some
                   hit disagrees with Goldmane's
              65   invalid YAML or policy, named with file and line; tables built
                   before the policy projection (run replay)
              66   a policy path does not exist; no flow observed in the window
            """)

    enum Format: String, ExpressibleByArgument, CaseIterable { case md, json }

    @Option(parsing: .upToNextOption, help: ArgumentHelp("NetworkPolicy YAML files or directories (*.yaml, *.yml).", valueName: "path"))
    var policies: [String]

    @Option(help: ArgumentHelp("Namespace labels: `kubectl get ns -o yaml` output.", valueName: "file"))
    var namespaces: String?

    @Option(help: ArgumentHelp("The pods (`kubectl get pods -A -o yaml`): named ports are resolved through the destination pods' container ports.", valueName: "file"))
    var pods: String?

    @Flag(help: "Exit 3 when some flows cannot be decided, too: a gate that what it cannot see must not pass (use it when the policies use named ports, ipBlocks or service accounts).")
    var failOnUndecidable = false

    @Flag(help: "Compare the hit the policies give each observed flow and direction with the one Goldmane recorded (give the cluster's current policies).")
    var reproduce = false

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
            if reproduce {
                let result = try reproduction()
                if !result.allAgree {
                    throw fail("\(result.disagreements.count) hit\(result.disagreements.count == 1 ? "" : "s") of the policies disagree with what Goldmane recorded", code: .policyWouldBlock)
                }
                return
            }
            let result = try check()
            if result.wouldBlock {
                throw fail("\(result.blocked.count) workload pair\(result.blocked.count == 1 ? "" : "s") observed as allowed would be blocked", code: .policyWouldBlock)
            }
            if failOnUndecidable && !result.undecidable.isEmpty {
                throw fail("\(result.undecidable.count) workload pair\(result.undecidable.count == 1 ? "" : "s") cannot be decided from flow data (--fail-on-undecidable)", code: .policyWouldBlock)
            }
        }
    }

    /// The files, with every object of another kind named.
    func policySet() throws -> PolicySet {
        let set = try PolicyFiles.loadSet(policies)
        for skipped in set.skipped { Diagnostics.warning("skipped \(skipped): not a policy kind policy-check evaluates") }
        return set
    }

    func reproduction() throws -> PolicyReproduction {
        let set = try policySet()
        let labels = try namespaces.map { path throws(PolicyFileError) in try PolicyFiles.namespaces(path) } ?? NamespaceLabels()
        let ports = try pods.map { path throws(PolicyFileError) in try PolicyFiles.pods(path) } ?? NamedPorts()
        let store = try ReportSupport.store(clusters: clusterOptions)
        let (start, end) = window
        let observed = try ReportSupport.run { () throws(ReportError) in try PolicyCheck.observations(store: store, from: start, to: end, pending: true) }
        let result = PolicyReproduction(set: set, namespaces: labels, observations: observed.observations, families: ipFamilies.families, ports: ports)
        switch format {
        case .md: try ReportSupport.emit(result.markdown(from: observed.start, to: observed.end, policies: set.kubernetes.count + set.calico.count), to: output)
        case .json: try ReportSupport.emitJSON(result, to: output)
        }
        Diagnostics.info("policy-check --reproduce: \(result.agreed) of \(result.compared) hits agree, \(result.disagreements.count) disagree, \(result.undecidable.count) undecidable")
        return result
    }

    func check() throws -> PolicyCheck {
        let set = try policySet()
        let labels = try namespaces.map { path throws(PolicyFileError) in try PolicyFiles.namespaces(path) } ?? NamespaceLabels()
        let ports = try pods.map { path throws(PolicyFileError) in try PolicyFiles.pods(path) } ?? NamedPorts()
        let store = try ReportSupport.store(clusters: clusterOptions)
        let (start, end) = window
        let assumptions = PolicyCheck.Assumptions(families: ipFamilies.families, tiersAfterDefault: PolicyDecision.tiersAfterDefault.union(tiersAfterDefault))
        let result = try ReportSupport.run { () throws(ReportError) in
            set.hasCalico
                ? try PolicyCheck.run(set: set, namespaces: labels, store: store, from: start, to: end, assumptions: assumptions, ports: ports)
                : try PolicyCheck.run(policies: set.kubernetes, namespaces: labels, store: store, from: start, to: end, assumptions: assumptions, ports: ports)
        }
        switch format {
        case .md: try ReportSupport.emit(result.markdown(), to: output)
        case .json: try ReportSupport.emitJSON(result, to: output)
        }
        Diagnostics.info("policy-check: \(result.evaluated) distinct flows, \(result.blocked.count) would be blocked, \(result.decidedAbove.count) decided by a higher tier, \(result.undecidable.count) undecidable")
        return result
    }
}
