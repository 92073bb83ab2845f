import Foundation
import SampleGenerator
import Testing
import TrailFormat
import TrailSupport
import TrailTestSupport

/// The sample generator's traces come from `samples/policies`: the committed files give every
/// conversation the verdicts it models (at scale too, where namespace copies carry copies of
/// their policies), and files that do not stop the generator naming the flow.
@Suite struct SamplePoliciesTests {
    static let start: Int64 = 1_795_743_000  // 2026-11-27T01:30:00Z

    /// A copy of samples/policies with one file's `old` text replaced by `new`, and the error
    /// the generator gives with it.
    static func generatorError(editing file: String, _ old: String, _ new: String, in directory: TemporaryDirectory) throws -> SamplePolicyError {
        let copy = directory.file("policies")
        try FileManager.default.copyItem(atPath: SampleArchive.Spec(start: start, windows: 1).policies, toPath: copy)
        let path = (copy as NSString).appendingPathComponent(file)
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text.contains(old))
        try text.replacingOccurrences(of: old, with: new).write(toFile: path, atomically: true, encoding: .utf8)
        var spec = SampleArchive.Spec(start: start, windows: 1)
        spec.policies = copy
        return try #require(throws: SamplePolicyError.self) { try SampleArchive(spec: spec).write(to: directory.file("archive")) }
    }

    @Test func theCommittedPoliciesGiveEveryConversationItsVerdictsAtScale() throws {
        let directory = try TemporaryDirectory("sample-policies")
        defer { directory.remove() }
        let summary = try SampleArchive(spec: .init(start: Self.start, windows: 1, scale: 3)).write(to: directory.file("archive"))
        #expect(summary.segments.count == 1 && summary.items > 1000)
    }

    @Test func aPolicyThatNoLongerDeniesStopsTheGeneratorNamingTheFlow() throws {
        let directory = try TemporaryDirectory("sample-policies")
        defer { directory.remove() }
        // The security tier's SMTP deny turned into an allow: recruiter-responder's mail is
        // modelled as denied, so the files no longer describe the samples.
        let error = try Self.generatorError(editing: "global.yaml", "    - action: Deny", "    - action: Allow", in: directory)
        #expect(error.exitStatus == .dataError)
        #expect(error.message.contains("recruiter-responder/recruiter-responder-6c9f7d8b54-* -> -/pub:25/tcp egress"))
        #expect(error.message.contains("GlobalNetworkPolicy block-smtp rule 0 (tier security): allow; the sample models deny"))
    }

    @Test func aFlowTheFilesCannotDecideStopsTheGeneratorWithTheReason() throws {
        let directory = try TemporaryDirectory("sample-policies")
        defer { directory.remove() }
        // The NAS rule narrowed to one subnet: part of `pvt`, which flow data cannot split.
        let error = try Self.generatorError(editing: "namespaces/immich.yaml", "nets: [10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16]\n        ports: [2049]",
                                            "nets: [192.168.1.0/24]\n        ports: [2049]", in: directory)
        #expect(error.message.contains("cannot decide immich/immich-server-7b5c9d6f48-* -> -/pvt:2049/tcp egress"))
        #expect(error.message.contains("cover part of pvt"))
    }
}
