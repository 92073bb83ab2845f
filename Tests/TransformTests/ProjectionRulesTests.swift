import Testing
import TrailFormat
import TrailTestSupport
@testable import Transform

/// Design §4: which items reach which projection, and every one left out counted by reason.
@Suite struct ProjectionRulesTests {
    let start: Int64 = 1_795_744_800

    @Test func endsAreJudgedByEndpointTypeAndEveryDropIsCounted() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let flows = [
            // In-cluster pair: in both projections.
            FlowFixture { $0.start = start; $0.sourceNamespace = "app"; $0.destNamespace = "backend" },
            // Host endpoint source, namespace "-": wide only.
            FlowFixture { $0.start = start; $0.sourceType = .hostEndpoint; $0.sourceName = "k8s-node1"; $0.sourceNamespace = "-" },
            // Internet egress to pub: wide only.
            FlowFixture { $0.start = start; $0.destType = .network; $0.destName = "pub"; $0.destNamespace = "-"; $0.destPort = 443 },
            // A global network set with an empty namespace: wide only.
            FlowFixture { $0.start = start; $0.destType = .networkSet; $0.destName = "blocklists"; $0.destNamespace = "" },
            // A namespaced network set: a namespaced end, in both.
            FlowFixture { $0.start = start; $0.sourceType = .networkSet; $0.sourceName = "lan"; $0.sourceNamespace = "traefik" },
            // Same namespace: wide only.
            FlowFixture { $0.start = start; $0.sourceNamespace = "backend"; $0.destNamespace = "backend"; $0.sourceName = "worker-6d9f8b7c54-*" },
            // A workload with "-" as namespace (should not happen): wide only, counted apart.
            FlowFixture { $0.start = start; $0.sourceNamespace = "-"; $0.sourceName = "orphan" },
            // Unspecified endpoint type: wide only.
            FlowFixture { $0.start = start; $0.destType = .unspecified; $0.destName = "mystery" },
            // All counters zero: in neither.
            FlowFixture { $0.start = start; $0.packets = 0; $0.bytes = 0; $0.connections = 0; $0.destPort = 9 },
        ]
        let batch = try transform([try directory.segment("a.seg", flows)])
        #expect(batch.header.items.read == 9)
        #expect(batch.header.items.folded == 8)
        #expect(batch.header.dropped.all == ["no_traffic": 1])
        #expect(batch.header.dropped.edge == [
            "non_namespaced_end": 3, "same_namespace": 1, "namespaced_type_without_namespace": 1, "unknown_endpoint_type": 1,
        ])
        #expect(batch.edges.map { "\($0.srcNs)>\($0.dstNs):\($0.action)" } == ["app>backend:allow", "traefik>backend:allow"])
        #expect(batch.wide.count == 8)
        let egress = try #require(batch.wide.first { $0.dstType == .network })
        #expect(egress.dstNs == "-" && egress.dstIdentity == "pub" && egress.dstPort == 443 && egress.dstService == "backend/server")
        let host = try #require(batch.wide.first { $0.srcType == .host })
        #expect(host.srcIdentity == "k8s-node1" && host.srcWorkload == "k8s-node1")
        // Every item is accounted for: folded + dropped == read.
        #expect(batch.header.items.folded + batch.header.dropped.all.values.reduce(0, +) == batch.header.items.read)
        #expect(batch.wide.reduce(0) { $0 + $1.flowCount } == batch.header.items.folded)
        #expect(batch.edges.reduce(0) { $0 + $1.flowCount } + batch.header.dropped.edge.values.reduce(0, +) == batch.header.items.folded)
    }

    @Test func timesComeFromTheDataAndCountersAdd() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let flows = (0..<4).map { index in
            FlowFixture { $0.start = start + Int64(index) * 15; $0.packets = 10; $0.bytes = 100; $0.connections = 2 }
        } + [FlowFixture { $0.start = start + 30; $0.reporter = .dst; $0.packets = 4; $0.bytes = 40; $0.connections = 1 }]
        let batch = try transform([try directory.segment("a.seg", flows)])
        let edge = try #require(batch.edges.first)
        #expect(batch.edges.count == 1)
        #expect(edge.firstSeen == start && edge.lastSeen == start + 60)
        #expect(edge.flowCount == 5)
        #expect(edge.connections == 9)
        #expect(edge.packetsOut == 44 && edge.packetsIn == 22 && edge.bytesOut == 440 && edge.bytesIn == 220)
        #expect(batch.wide.map(\.reporter) == [.dst, .src])
        #expect(batch.wide.allSatisfy { $0.days == ["2026-11-27"] })
    }

    @Test func serviceIdentityRefinesConfiguredNamespacesOnly() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let flows = [
            FlowFixture { $0.start = start; $0.sourceNamespace = "monitoring"; $0.sourceName = "grafana-6b8d7c9f54-*"
                $0.sourceLabels = ["app=grafana", "service-identity=grafana"]
                $0.destNamespace = "monitoring"; $0.destName = "prometheus-server-5d8f7c9b46-*"
                $0.destLabels = ["service-identity=prometheus"] },
            FlowFixture { $0.start = start; $0.sourceNamespace = "apps"; $0.sourceLabels = ["service-identity=ignored"]
                $0.destNamespace = "dbaas"; $0.destName = "pg-cluster-1"; $0.destLabels = ["service-identity=postgres"] },
        ]
        let path = try directory.segment("a.seg", flows)
        let refined = try transform([path])
        let identities = Set(refined.wide.map { "\($0.srcIdentity)>\($0.dstIdentity)" })
        #expect(identities == ["monitoring/grafana>monitoring/prometheus", "apps>dbaas/postgres"])
        #expect(refined.edges.map { "\($0.srcNs)>\($0.dstNs)" } == ["apps>dbaas"])
        let plain = try transform([path], settings: TransformSettings(serviceIdentityNamespaces: []))
        #expect(Set(plain.wide.map { "\($0.srcIdentity)>\($0.dstIdentity)" }) == ["monitoring>monitoring", "apps>dbaas"])
        #expect(plain.header.settings.serviceIdentityNamespaces == [])
        #expect(refined.header.settings.serviceIdentityNamespaces == ["dbaas", "kube-system", "monitoring"])
    }
}
