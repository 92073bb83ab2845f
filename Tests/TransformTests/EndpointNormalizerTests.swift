import Testing
import TrailFormat
@testable import Transform

@Suite struct EndpointNormalizerTests {
    @Test(arguments: [
        ("traefik-7cbc567497-*", "traefik"),
        ("fixer-tick-29804008-*", "fixer-tick"),
        ("calico-node-*", "calico-node"),
        ("promtail-*", "promtail"),
        ("immich-machine-learning-6c9b8d7f54-*", "immich-machine-learning"),
        ("postgres-0", "postgres-0"),
        ("pg-cluster-2", "pg-cluster-2"),
        ("k8s-node1", "k8s-node1"),
        ("node-exporter-*", "node-exporter"),
        ("kube-proxy-*", "kube-proxy"),
        ("single*", "single"),
    ])
    func workloadNames(raw: String, expected: String) {
        #expect(EndpointNormalizer.workloadName(raw) == expected)
    }

    /// The safe alphabet's bit masks hold exactly its characters, of all 256 byte values.
    @Test func safeAlphabetMasks() {
        let alphabet = Set("bcdfghjklmnpqrstvwxz2456789".utf8)
        let disagreeing = (0...255).map(UInt8.init).filter { EndpointNormalizer.isSafe($0) != alphabet.contains($0) }
        #expect(disagreeing.isEmpty, "bytes the masks get wrong: \(disagreeing)")
        #expect(EndpointNormalizer.isPodTemplateHash("7cbc567497".utf8) && !EndpointNormalizer.isPodTemplateHash("7cbc56749a".utf8))
        #expect(!EndpointNormalizer.isPodTemplateHash("bcdfgh".utf8), "a hash has at least one digit")
    }

    @Test func actionsAndTypes() {
        #expect((0...4).map { FlowAction(wire: $0).rawValue } == ["unspecified", "allow", "deny", "pass", "unspecified"])
        #expect((0...5).map { EndpointType(wire: $0).rawValue } == ["unknown", "workload", "host", "networkset", "network", "unknown"])
        #expect((0...3).map { Reporter(wire: $0).rawValue } == ["unspecified", "src", "dst", "unspecified"])
        #expect(([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12] as [Int]).map { PolicyKind(name: PolicyKind(wire: $0).name) == PolicyKind(wire: $0) }
                .allSatisfy { $0 })
        #expect(PolicyKind(wire: 7).name == "kind-7" && PolicyKind(name: "Profile") == .profile && PolicyKind(name: "kind-x") == nil)
        #expect(EndpointNormalizer.namespace("-") == nil)
        #expect(EndpointNormalizer.namespace("") == nil)
        #expect(EndpointNormalizer.namespace("dbaas") == "dbaas")
    }
}
