import Testing
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

    @Test func actionsAndTypes() {
        #expect((0...4).map(EndpointNormalizer.action) == ["unspecified", "allow", "deny", "pass", "unspecified"])
        #expect((0...5).map(EndpointNormalizer.endpointType) == ["unknown", "workload", "host", "networkset", "network", "unknown"])
        #expect(EndpointNormalizer.namespace("-") == nil)
        #expect(EndpointNormalizer.namespace("") == nil)
        #expect(EndpointNormalizer.namespace("dbaas") == "dbaas")
    }
}
