import ArgumentParser
import Foundation
import Report
import TrailFormat

struct EgressReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "egress-report",
        abstract: "The Wave-1 egress report: per namespace, what it reaches, and candidate default-deny-egress NetworkPolicies.",
        discussion: """
            Per source namespace: the in-cluster namespaces it reaches with allow (ports and \
            protocols), its internet egress by port, hosts, denied destinations to investigate, the \
            kube-dns baseline, and how far to trust each list (days observed, coverage gaps, \
            destinations seen only once). Reads edge_wide.

            --policies DIR writes one candidate NetworkPolicy per namespace to DIR, for review: \
            nothing is applied. Namespaces whose names are not Kubernetes names are skipped with a \
            warning.
            """)

    enum Format: String, ExpressibleByArgument, CaseIterable { case md, json }

    @Option(help: "Only this source namespace.")
    var namespace: String?

    @Option(help: "md (for people) or json (for machines).")
    var format: Format = .md

    @Option(help: "Write candidate default-deny-egress NetworkPolicies, one file per namespace, into this directory.")
    var policies: String?

    @Option(name: .shortAndLong, help: "Write the report here instead of standard output.")
    var output: String?

    func validate() throws {
        if let namespace { try QueryCommand.checkNamespace(namespace) }
    }

    @OptionGroup var job: JobOptions

    @OptionGroup var clusterOptions: ClusterOptions

    func run() async throws {
        try await job.run("egress-report") { _ in try report() }
    }

    func report() throws {
        let store = try ReportSupport.store(clusters: clusterOptions)
        let report = try ReportSupport.run { () throws(ReportError) in try EgressReport.build(store: store, namespace: namespace) }
        if let namespace, report.namespaces.isEmpty {
            Diagnostics.warning("no egress from namespace \(TerminalText.visible(namespace)) in the database")
        }
        switch format {
        case .md: try ReportSupport.emit(report.markdown(), to: output)
        case .json: try ReportSupport.emitJSON(report, to: output)
        }
        if let policies { try write(report, to: policies) }
    }

    private func write(_ report: EgressReport, to directory: String) throws {
        let (written, skipped) = NetworkPolicyWriter.policies(for: report)
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw fail("cannot write policies to \(directory): \(error.localizedDescription)", code: .cannotCreate, cause: error)
        }
        for policy in written {
            do throws(SegmentError) {
                try AtomicFile.write(Array(policy.yaml.utf8), to: (directory as NSString).appendingPathComponent(policy.fileName))
            } catch {
                throw fail("cannot write policies to \(directory): \(error)", code: .cannotCreate)
            }
        }
        for name in skipped {
            Diagnostics.warning("no policy for namespace \(TerminalText.visible(name)): not a Kubernetes namespace name")
        }
        Diagnostics.info("wrote \(written.count) candidate NetworkPolicies to \(directory) (review them; nothing was applied)")
    }
}
