import Foundation
import Testing
import TrailTestSupport
@testable import Policy

/// NetworkPolicy semantics, on the cases of Kubernetes' own network-policy e2e suite
/// (test/e2e/network/netpol): namespaces x, y and z, each with pods a, b and c labelled
/// `pod=<name>`, namespaces labelled `ns=<name>`. Each policy is written as YAML, read by
/// `PolicyFiles`, and every listed flow gets its expected verdict.
@Suite struct NetworkPolicySemanticsTests {
    static let namespaces = NamespaceLabels(["x": ["ns": "x"], "y": ["ns": "y"], "z": ["ns": "z"], "kube-system": [:]])

    static func pod(_ namespace: String, _ name: String) -> FlowEndpoint {
        .pod(namespace: namespace, labels: ["pod": name])
    }

    static let coredns = FlowEndpoint.pod(namespace: "kube-system", labels: ["k8s-app": "kube-dns"])

    static func flow(_ source: FlowEndpoint, _ destination: FlowEndpoint, _ port: Int = 80, _ proto: String = "tcp") -> PolicyFlow {
        PolicyFlow(source: source, destination: destination, port: port, protocol: proto)
    }

    static func evaluator(_ yaml: String, namespaces: NamespaceLabels = namespaces, families: IPFamilies = .ipv4) throws -> PolicyEvaluator {
        let directory = try TemporaryDirectory("policies")
        defer { directory.remove() }
        let file = directory.file("policies.yaml")
        try yaml.write(toFile: file, atomically: true, encoding: .utf8)
        return PolicyEvaluator(policies: try PolicyFiles.load([file]), namespaces: namespaces, families: families)
    }

    static func undecidable(_ evaluator: PolicyEvaluator, _ flow: PolicyFlow, _ word: String) -> Bool {
        if case .undecidable(let reasons) = evaluator.evaluate(flow) { return reasons.contains { $0.contains(word) } }
        return false
    }

    static func allowed(_ evaluator: PolicyEvaluator, _ flow: PolicyFlow) -> Bool {
        evaluator.evaluate(flow) == .allowed
    }

    static func blocked(_ evaluator: PolicyEvaluator, _ flow: PolicyFlow) -> Bool {
        if case .blocked = evaluator.evaluate(flow) { return true }
        return false
    }

    @Test func defaultDenyIngressIsolatesOnlyIngressOfItsNamespace() throws {
        let policies = try Self.evaluator("""
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: deny-all, namespace: x}
            spec:
              podSelector: {}
              policyTypes: [Ingress]
            """)
        #expect(Self.blocked(policies, Self.flow(Self.pod("y", "b"), Self.pod("x", "a"))))
        #expect(Self.blocked(policies, Self.flow(Self.pod("x", "b"), Self.pod("x", "a"))))
        #expect(Self.allowed(policies, Self.flow(Self.pod("x", "a"), Self.pod("y", "b"))))
        #expect(Self.allowed(policies, Self.flow(Self.pod("y", "b"), Self.pod("z", "c"))))
        #expect(policies.evaluate(Self.flow(Self.pod("y", "b"), Self.pod("x", "a")))
            == .blocked([Isolation(direction: .ingress, namespace: "x", policies: ["x/deny-all"])]))
    }

    @Test func allowFromANamespaceByLabel() throws {
        let policies = try Self.evaluator("""
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: allow-from-y, namespace: x}
            spec:
              podSelector: {matchLabels: {pod: a}}
              ingress:
              - from:
                - namespaceSelector: {matchLabels: {ns: y}}
            """)
        #expect(Self.allowed(policies, Self.flow(Self.pod("y", "b"), Self.pod("x", "a"))))
        #expect(Self.blocked(policies, Self.flow(Self.pod("z", "b"), Self.pod("x", "a"))))
        #expect(Self.blocked(policies, Self.flow(Self.pod("x", "b"), Self.pod("x", "a"))))
        #expect(Self.allowed(policies, Self.flow(Self.pod("z", "c"), Self.pod("x", "b"))), "x/b is not selected")
    }

    @Test func allowFromPodsByExpressionInThePolicysNamespaceOnly() throws {
        let policies = try Self.evaluator("""
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: allow-b, namespace: x}
            spec:
              podSelector: {matchLabels: {pod: a}}
              ingress:
              - from:
                - podSelector:
                    matchExpressions:
                    - {key: pod, operator: In, values: [b]}
            """)
        #expect(Self.allowed(policies, Self.flow(Self.pod("x", "b"), Self.pod("x", "a"))))
        #expect(Self.blocked(policies, Self.flow(Self.pod("x", "c"), Self.pod("x", "a"))))
        #expect(Self.blocked(policies, Self.flow(Self.pod("y", "b"), Self.pod("x", "a"))), "a podSelector alone means the policy's namespace")
    }

    @Test func matchExpressionOperators() {
        let labels = ["pod": "a", "tier": "web"]
        #expect(LabelSelector(matchExpressions: [.init(key: "pod", operator: .notIn, values: ["b"])]).matches(labels))
        #expect(LabelSelector(matchExpressions: [.init(key: "absent", operator: .notIn, values: ["b"])]).matches(labels))
        #expect(LabelSelector(matchExpressions: [.init(key: "tier", operator: .exists)]).matches(labels))
        #expect(!LabelSelector(matchExpressions: [.init(key: "tier", operator: .doesNotExist)]).matches(labels))
        #expect(!LabelSelector(matchLabels: ["pod": "a"], matchExpressions: [.init(key: "tier", operator: .in, values: ["db"])]).matches(labels))
        #expect(LabelSelector.everything.matches([:]))
    }

    @Test func namespaceAndPodSelectorInOnePeerIsAnAndTwoPeersAreAnOr() throws {
        let and = try Self.evaluator("""
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: and, namespace: x}
            spec:
              podSelector: {matchLabels: {pod: a}}
              ingress:
              - from:
                - namespaceSelector: {matchExpressions: [{key: ns, operator: In, values: [y]}]}
                  podSelector: {matchLabels: {pod: b}}
            """)
        #expect(Self.allowed(and, Self.flow(Self.pod("y", "b"), Self.pod("x", "a"))))
        #expect(Self.blocked(and, Self.flow(Self.pod("y", "c"), Self.pod("x", "a"))))
        #expect(Self.blocked(and, Self.flow(Self.pod("z", "b"), Self.pod("x", "a"))))
        #expect(Self.blocked(and, Self.flow(Self.pod("x", "b"), Self.pod("x", "a"))))

        let or = try Self.evaluator("""
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: or, namespace: x}
            spec:
              podSelector: {matchLabels: {pod: a}}
              ingress:
              - from:
                - namespaceSelector: {matchLabels: {ns: y}}
                - podSelector: {matchLabels: {pod: b}}
            """)
        #expect(Self.allowed(or, Self.flow(Self.pod("y", "c"), Self.pod("x", "a"))))
        #expect(Self.allowed(or, Self.flow(Self.pod("x", "b"), Self.pod("x", "a"))))
        #expect(Self.blocked(or, Self.flow(Self.pod("z", "b"), Self.pod("x", "a"))))
    }

    @Test func egressToANamespacePlusDNS() throws {
        let policies = try Self.evaluator("""
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: egress-y-and-dns, namespace: x}
            spec:
              podSelector: {matchLabels: {pod: a}}
              policyTypes: [Egress]
              egress:
              - to:
                - namespaceSelector: {matchLabels: {ns: y}}
              - to:
                - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: kube-system}}
                  podSelector: {matchLabels: {k8s-app: kube-dns}}
                ports:
                - {port: 53, protocol: UDP}
                - {port: 53, protocol: TCP}
            """)
        #expect(Self.allowed(policies, Self.flow(Self.pod("x", "a"), Self.pod("y", "b"))))
        #expect(Self.allowed(policies, Self.flow(Self.pod("x", "a"), Self.coredns, 53, "udp")))
        #expect(Self.allowed(policies, Self.flow(Self.pod("x", "a"), Self.coredns, 53, "tcp")))
        #expect(Self.blocked(policies, Self.flow(Self.pod("x", "a"), Self.coredns, 54, "udp")))
        #expect(Self.blocked(policies, Self.flow(Self.pod("x", "a"), Self.pod("z", "c"))))
        #expect(Self.blocked(policies, Self.flow(Self.pod("x", "a"), .other(kind: .network, name: "pub"), 443)))
        #expect(Self.allowed(policies, Self.flow(Self.pod("z", "c"), Self.pod("x", "a"))), "Egress only: ingress stays open")
    }

    @Test func portRangesWithEndPort() throws {
        let policies = try Self.evaluator("""
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: range, namespace: x}
            spec:
              podSelector: {matchLabels: {pod: a}}
              ingress:
              - ports:
                - {port: 80, endPort: 82}
            """)
        for port in [80, 81, 82] { #expect(Self.allowed(policies, Self.flow(Self.pod("y", "b"), Self.pod("x", "a"), port))) }
        #expect(Self.blocked(policies, Self.flow(Self.pod("y", "b"), Self.pod("x", "a"), 83)))
        #expect(Self.blocked(policies, Self.flow(Self.pod("y", "b"), Self.pod("x", "a"), 79)))
        #expect(Self.blocked(policies, Self.flow(Self.pod("y", "b"), Self.pod("x", "a"), 81, "udp")), "the protocol defaults to TCP")
    }

    @Test func severalPoliciesAreUnioned() throws {
        let policies = try Self.evaluator("""
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: from-y-80, namespace: x}
            spec:
              podSelector: {matchLabels: {pod: a}}
              ingress:
              - from: [{namespaceSelector: {matchLabels: {ns: y}}}]
                ports: [{port: 80}]
            ---
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: from-z-81, namespace: x}
            spec:
              podSelector: {matchLabels: {pod: a}}
              ingress:
              - from: [{namespaceSelector: {matchLabels: {ns: z}}}]
                ports: [{port: 81}]
            """)
        #expect(Self.allowed(policies, Self.flow(Self.pod("y", "b"), Self.pod("x", "a"), 80)))
        #expect(Self.allowed(policies, Self.flow(Self.pod("z", "c"), Self.pod("x", "a"), 81)))
        #expect(Self.blocked(policies, Self.flow(Self.pod("y", "b"), Self.pod("x", "a"), 81)))
        #expect(Self.blocked(policies, Self.flow(Self.pod("z", "c"), Self.pod("x", "a"), 80)))
        #expect(policies.evaluate(Self.flow(Self.pod("y", "b"), Self.pod("x", "a"), 81))
            == .blocked([Isolation(direction: .ingress, namespace: "x", policies: ["x/from-y-80", "x/from-z-81"])]))
    }

    @Test func aPodToPodFlowNeedsEgressAtTheSourceAndIngressAtTheDestination() throws {
        let list = """
            apiVersion: v1
            kind: List
            items:
            - apiVersion: networking.k8s.io/v1
              kind: NetworkPolicy
              metadata: {name: deny-egress, namespace: x}
              spec: {podSelector: {}, policyTypes: [Egress]}
            - apiVersion: networking.k8s.io/v1
              kind: NetworkPolicy
              metadata: {name: allow-from-x, namespace: y}
              spec:
                podSelector: {}
                ingress: [{from: [{namespaceSelector: {matchLabels: {ns: x}}}]}]
            """
        let denied = try Self.evaluator(list)
        #expect(denied.evaluate(Self.flow(Self.pod("x", "a"), Self.pod("y", "b")))
            == .blocked([Isolation(direction: .egress, namespace: "x", policies: ["x/deny-egress"])]))
        let opened = try Self.evaluator(list + """

            - apiVersion: networking.k8s.io/v1
              kind: NetworkPolicy
              metadata: {name: egress-to-y, namespace: x}
              spec:
                podSelector: {}
                policyTypes: [Egress]
                egress: [{to: [{namespaceSelector: {matchLabels: {ns: y}}}]}]
            """)
        #expect(Self.allowed(opened, Self.flow(Self.pod("x", "a"), Self.pod("y", "b"))))
        #expect(Self.blocked(opened, Self.flow(Self.pod("z", "c"), Self.pod("y", "b"))), "y admits x only")
        #expect(opened.unusedRules.map(\.description) == [])
    }

    @Test func policyTypesDefaultToIngressPlusEgressWhenThereAreEgressRules() throws {
        let policies = try Self.evaluator("""
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: egress-only-rules, namespace: x}
            spec:
              podSelector: {}
              egress: [{to: [{namespaceSelector: {}}]}]
            """)
        #expect(Self.blocked(policies, Self.flow(Self.pod("y", "b"), Self.pod("x", "a"))), "no policyTypes: Ingress is always isolated")
        #expect(Self.allowed(policies, Self.flow(Self.pod("x", "a"), Self.pod("y", "b"))))
    }

    @Test func whatFlowDataCannotDecideIsUndecidableNeverGuessed() throws {
        let policies = try Self.evaluator("""
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: named-and-cidr, namespace: x}
            spec:
              podSelector: {}
              policyTypes: [Ingress, Egress]
              ingress: [{ports: [{port: http}]}]
              egress: [{to: [{ipBlock: {cidr: 0.0.0.0/0, except: [10.0.0.0/8]}}]}]
            """)
        guard case .undecidable(let named) = policies.evaluate(Self.flow(.other(kind: .network, name: "pub"), Self.pod("x", "a"))) else {
            Issue.record("a named port was decided")
            return
        }
        #expect(named.contains { $0.contains("named port \"http\"") })
        // 0.0.0.0/0 except 10.0.0.0/8 holds every public IPv4 address, but only part of RFC 1918.
        #expect(Self.allowed(policies, Self.flow(Self.pod("x", "a"), .other(kind: .network, name: "pub"), 443)))
        guard case .undecidable(let cidr) = policies.evaluate(Self.flow(Self.pod("x", "a"), .other(kind: .network, name: "pvt"), 443)) else {
            Issue.record("an ipBlock covering part of pvt was decided")
            return
        }
        #expect(cidr.contains { $0.contains("0.0.0.0/0") && $0.contains("covers part of pvt") })
        let host = try Self.evaluator("""
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: deny, namespace: x}
            spec: {podSelector: {}, policyTypes: [Ingress]}
            """)
        #expect(host.evaluate(Self.flow(.other(kind: .host, name: "node-1"), Self.pod("x", "a"))) != .allowed)
        #expect(Self.blocked(host, Self.flow(.other(kind: .network, name: "pvt"), Self.pod("x", "a"))))
    }

    @Test func ipBlocksDecidePubAndPvtOnlyWhenTheyCoverAllOrNone() throws {
        func egress(_ blocks: String) throws -> PolicyEvaluator {
            try Self.evaluator("""
                apiVersion: networking.k8s.io/v1
                kind: NetworkPolicy
                metadata: {name: out, namespace: x}
                spec: {podSelector: {}, policyTypes: [Egress], egress: [{to: [\(blocks)]}]}
                """)
        }
        let pub = FlowEndpoint.other(kind: .network, name: "pub")
        let pvt = FlowEndpoint.other(kind: .network, name: "pvt")
        // The candidate writer's two rules: the internet without RFC 1918, and RFC 1918 as three blocks.
        let internet = try egress("{ipBlock: {cidr: 0.0.0.0/0, except: [10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16]}}")
        #expect(Self.allowed(internet, Self.flow(Self.pod("x", "a"), pub, 443)))
        #expect(Self.blocked(internet, Self.flow(Self.pod("x", "a"), pvt, 443)), "no RFC 1918 address is admitted")
        let privateNets = try egress("{ipBlock: {cidr: 10.0.0.0/8}}, {ipBlock: {cidr: 172.16.0.0/12}}, {ipBlock: {cidr: 192.168.0.0/16}}")
        #expect(Self.allowed(privateNets, Self.flow(Self.pod("x", "a"), pvt, 2049)), "the blocks cover RFC 1918 together")
        #expect(Self.blocked(privateNets, Self.flow(Self.pod("x", "a"), pub, 2049)))
        let one = try egress("{ipBlock: {cidr: 8.8.8.8/32}}")
        guard case .undecidable(let reasons) = one.evaluate(Self.flow(Self.pod("x", "a"), pub, 53)) else {
            Issue.record("one public address was taken to decide all of pub")
            return
        }
        #expect(reasons.contains { $0.contains("8.8.8.8/32") })
        #expect(Self.blocked(one, Self.flow(Self.pod("x", "a"), pvt, 53)))
        #expect(Self.blocked(try egress("{ipBlock: {cidr: \"2001:db8::/32\"}}"), Self.flow(Self.pod("x", "a"), pub, 443)), "IPv6 blocks hold no IPv4 address")
        #expect(throws: PolicyFileError.self) { try egress("{ipBlock: {cidr: 10.0.0.0/33}}") }
    }

    /// The API server's default: no (or empty) policyTypes means Ingress, plus Egress only when
    /// `egress` holds a rule; an empty `egress: []` isolates nothing for egress.
    @Test func defaultPolicyTypesFollowTheAPIServer() throws {
        let emptyEgress = try Self.evaluator("""
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: p, namespace: x}
            spec: {podSelector: {}, egress: []}
            """)
        #expect(Self.allowed(emptyEgress, Self.flow(Self.pod("x", "a"), Self.pod("y", "b"))), "egress: [] does not isolate egress")
        #expect(Self.blocked(emptyEgress, Self.flow(Self.pod("y", "b"), Self.pod("x", "a"))), "ingress is isolated by default")
        let emptyTypes = try Self.evaluator("""
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: p, namespace: x}
            spec: {podSelector: {}, policyTypes: [], ingress: [{from: [{podSelector: {}}]}]}
            """)
        #expect(Self.blocked(emptyTypes, Self.flow(Self.pod("y", "b"), Self.pod("x", "a"))), "policyTypes: [] defaults to Ingress")
        #expect(Self.allowed(emptyTypes, Self.flow(Self.pod("x", "b"), Self.pod("x", "a"))))
    }

    /// What the labels Goldmane or --namespaces give cannot say is undecidable, not a match
    /// and not a miss; what `kubernetes.io/metadata.name` decides stays decided.
    @Test func unknownLabelsAreUndecidable() throws {
        let yaml = """
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: p, namespace: x}
            spec:
              podSelector: {matchLabels: {pod: a}}
              ingress:
              - from: [{namespaceSelector: {matchLabels: {team: blue}}}]
              - from: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: z}}}]
            """
        let partial = try Self.evaluator(yaml, namespaces: NamespaceLabels(["y": ["team": "blue"]]))
        #expect(Self.allowed(partial, Self.flow(Self.pod("y", "b"), Self.pod("x", "a"))), "y's labels are known")
        #expect(Self.undecidable(partial, Self.flow(Self.pod("w", "b"), Self.pod("x", "a")), "labels of namespace w are not known"))
        #expect(Self.allowed(partial, Self.flow(Self.pod("z", "b"), Self.pod("x", "a"))), "metadata.name needs no --namespaces")
        let unlabelled = FlowEndpoint.pod(namespace: "x", labels: [:])
        #expect(Self.undecidable(partial, Self.flow(Self.pod("w", "b"), unlabelled), "Goldmane gave no labels"))
    }

    @Test func ipBlocksCountTogetherAcrossRulesAndFamilies() throws {
        let split = try Self.evaluator("""
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: out, namespace: x}
            spec:
              podSelector: {}
              policyTypes: [Egress]
              egress:
              - to: [{ipBlock: {cidr: 0.0.0.0/1}}]
              - to: [{ipBlock: {cidr: 128.0.0.0/1}}]
                ports: [{port: 443}]
            """)
        let pub = FlowEndpoint.other(kind: .network, name: "pub")
        #expect(Self.allowed(split, Self.flow(Self.pod("x", "a"), pub, 443)), "two halves admit all of pub together")
        #expect(Self.undecidable(split, Self.flow(Self.pod("x", "a"), pub, 80), "0.0.0.0/1"), "on 80 only one half applies")
        #expect(split.unusedRules.isEmpty)
        let v4Only = """
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: out, namespace: x}
            spec: {podSelector: {}, policyTypes: [Egress], egress: [{to: [{ipBlock: {cidr: 0.0.0.0/0}}]}]}
            """
        #expect(Self.allowed(try Self.evaluator(v4Only), Self.flow(Self.pod("x", "a"), pub, 443)))
        let dual = try Self.evaluator(v4Only, families: .dualStack)
        #expect(Self.undecidable(dual, Self.flow(Self.pod("x", "a"), pub, 443), "IPv6 outside fc00::/7"), "a dual-stack cluster's IPv6 internet is not admitted")
        let both = try Self.evaluator("""
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: out, namespace: x}
            spec: {podSelector: {}, policyTypes: [Egress], egress: [{to: [{ipBlock: {cidr: 0.0.0.0/0}}, {ipBlock: {cidr: "::/0", except: ["fc00::/7"]}}]}]}
            """, families: .dualStack)
        #expect(Self.allowed(both, Self.flow(Self.pod("x", "a"), pub, 443)))
        #expect(Self.undecidable(both, Self.flow(Self.pod("x", "a"), .other(kind: .network, name: "pvt"), 443), "covers part of pvt"))
        #expect(IPFamilies("4,6") == .dualStack && IPFamilies("5") == nil)
    }

    @Test func unknownEndsAndDisjointBlocksAreNotGuessed() throws {
        let policies = try Self.evaluator("""
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: p, namespace: x}
            spec:
              podSelector: {}
              policyTypes: [Ingress, Egress]
              ingress: [{from: [{podSelector: {}}]}]
              egress: [{to: [{ipBlock: {cidr: 10.0.0.0/8}}], ports: [{port: https}]}]
            """)
        // An end Goldmane could not type is not taken for a non-pod.
        #expect(Self.undecidable(policies, Self.flow(.other(kind: .unknown, name: "?"), Self.pod("x", "a")), "unknown ?"))
        // A rule whose blocks hold none of pub admits nothing, whatever its named port means.
        #expect(Self.blocked(policies, Self.flow(Self.pod("x", "a"), .other(kind: .network, name: "pub"), 443)))
        #expect(Self.undecidable(policies, Self.flow(Self.pod("x", "a"), .other(kind: .network, name: "pvt"), 443), "named port"))
    }

    @Test func aPolicyDefinedTwiceIsRefused() throws {
        let directory = try TemporaryDirectory("twice")
        defer { directory.remove() }
        let text = "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p, namespace: x}\nspec: {podSelector: {}}\n"
        try text.write(toFile: directory.file("a.yaml"), atomically: true, encoding: .utf8)
        try text.write(toFile: directory.file("b.yaml"), atomically: true, encoding: .utf8)
        let error = #expect(throws: PolicyFileError.self) { try PolicyFiles.load([directory.path]) }
        #expect(error?.description.contains("x/p is also defined at \(directory.file("a.yaml")):1") == true, "\(String(describing: error))")
        #expect(error?.file == directory.file("b.yaml"))
    }

    @Test func rulesThatAdmittedNothingAreListed() throws {
        let policies = try Self.evaluator("""
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: two-rules, namespace: x}
            spec:
              podSelector: {}
              ingress:
              - from: [{namespaceSelector: {matchLabels: {ns: y}}}]
              - from: [{namespaceSelector: {matchLabels: {ns: z}}}]
            """)
        _ = policies.evaluate(Self.flow(Self.pod("y", "b"), Self.pod("x", "a")))
        #expect(policies.unusedRules.map(\.description) == ["x/two-rules ingress[1]"])
    }

    @Test(arguments: [
        ("apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p, namespace: x}\nspec:\n  podSelector: {}\n  policyTypes: [Sideways]\n", 6, "Sideways"),
        ("apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p, namespace: x}\nspec:\n  podSelector: {}\n  ingress:\n  - ports:\n    - {port: 99999}\n", 8, "99999"),
        ("apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p, namespace: x}\nspec:\n  podSelector:\n    matchExpressions:\n    - {key: a, operator: Near}\n", 7, "Near"),
        ("apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p, namespace: x}\nspec:\n  podSelector: {}\n  ingress: [{ports: [{port: 80, endPort: 70}]}]\n", 6, "endPort"),
        ("apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p}\nspec: {podSelector: {}}\n", 1, "metadata.namespace is missing"),
        ("kind: NetworkPolicy\nmetadata: {name: p}\nspec: {podSelector: {}\n", 3, "invalid YAML"),
    ])
    func invalidPoliciesNameTheFileAndLine(yaml: String, line: Int, word: String) throws {
        let directory = try TemporaryDirectory("bad-policy")
        defer { directory.remove() }
        let file = directory.file("bad.yaml")
        try yaml.write(toFile: file, atomically: true, encoding: .utf8)
        do {
            _ = try PolicyFiles.load([file])
            Issue.record("accepted: \(yaml)")
        } catch {
            #expect(error.description.hasPrefix("\(file):"), "\(error.description)")
            #expect(error.line.map { abs($0 - line) <= 1 } ?? false, "line \(String(describing: error.line)) for \(error.description)")
            #expect(error.description.contains(word), "\(error.description)")
            #expect(error.exitStatus == .dataError)
        }
    }
}
