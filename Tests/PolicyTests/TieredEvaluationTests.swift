import Foundation
import Testing
import TrailTestSupport

@testable import Policy

/// Calico's evaluation order, scenario by scenario, each written from Calico's documentation
/// (docs.tigera.io/calico/latest/network-policy/policy-tiers/tiered-policy and the Tier,
/// NetworkPolicy and GlobalNetworkPolicy references) and Felix's source, with the reasoning in
/// comments. Every policy is YAML read by `PolicyFiles.loadSet`, as the command reads it.
@Suite struct TieredEvaluationTests {
    static let namespaces = NamespaceLabels(["shop": ["team": "shop"], "db": ["team": "data"], "kube-system": [:]])
    static let web = FlowEndpoint.pod(namespace: "shop", labels: ["app": "web"])
    static let api = FlowEndpoint.pod(namespace: "shop", labels: ["app": "api"])
    static let postgres = FlowEndpoint.pod(namespace: "db", labels: ["app": "postgres"])
    static let internet = FlowEndpoint.other(kind: .network, name: "pub")

    static func set(_ yaml: String) throws -> PolicySet {
        let directory = try TemporaryDirectory("tiered")
        defer { directory.remove() }
        let file = directory.file("policies.yaml")
        try yaml.write(toFile: file, atomically: true, encoding: .utf8)
        return try PolicyFiles.loadSet([file])
    }

    static func evaluator(_ yaml: String, ports: NamedPorts = NamedPorts()) throws -> TieredEvaluator {
        let set = try set(yaml)
        return TieredEvaluator(policies: TieredEvaluator.enforcing(staged: set.tiered), tiers: set.tiers, namespaces: namespaces, ports: ports,
                               networkSets: set.networkSets)
    }

    /// The deciding hit of one direction, as "Kind policy rule action" (or "EndOfTier tier deny").
    static func hit(_ evaluator: TieredEvaluator, _ source: FlowEndpoint, _ destination: FlowEndpoint, _ direction: PolicyDirection,
                    port: Int = 5432, proto: String = "tcp") -> String {
        let flow = PolicyFlow(source: source, destination: destination, port: port, protocol: proto)
        guard let (_, outcome) = evaluator.outcomes(flow).first(where: { $0.0 == direction }) else { return "no such direction" }
        switch outcome {
        case .undecidable(let reasons): return "undecidable: " + reasons.joined(separator: "; ")
        case .decided(let hit):
            switch hit.policyKind {
            case .endOfTier?: return "EndOfTier \(hit.tier) \(hit.action?.rawValue ?? "") (\(hit.trigger))"
            case .profile?: return "Profile \(hit.policy) \(hit.action?.rawValue ?? "")"
            default: return "\(hit.kind) \(hit.policy) \(hit.rule) \(hit.action?.rawValue ?? "") [\(hit.tier)]"
            }
        }
    }

    static let tiers = """
        apiVersion: projectcalico.org/v3
        kind: Tier
        metadata: {name: security}
        spec: {order: 100}
        ---
        apiVersion: projectcalico.org/v3
        kind: Tier
        metadata: {name: platform}
        spec: {order: 200, defaultAction: Pass}
        """

    @Test func noPolicyAnywhereIsTheProfilesAllow() throws {
        // "If no policies apply to an endpoint, the namespace's profile allows" (kns.<ns>).
        let evaluator = try Self.evaluator(Self.tiers)
        #expect(Self.hit(evaluator, Self.web, Self.postgres, .egress) == "Profile kns.shop allow")
        #expect(Self.hit(evaluator, Self.web, Self.postgres, .ingress) == "Profile kns.db allow")
    }

    @Test func tiersGoInOrderAndTheFirstAllowOrDenyDecides() throws {
        // security (100) before platform (200) before default (1,000,000): a Deny in security
        // decides although default allows.
        let evaluator = try Self.evaluator(Self.tiers + """

            ---
            apiVersion: projectcalico.org/v3
            kind: GlobalNetworkPolicy
            metadata: {name: security.block-db-from-shop}
            spec:
              tier: security
              selector: app == 'postgres'
              types: [Ingress]
              ingress:
                - action: Deny
                  source: {namespaceSelector: team == 'shop'}
            ---
            apiVersion: projectcalico.org/v3
            kind: NetworkPolicy
            metadata: {name: allow-all-in, namespace: db}
            spec:
              selector: all()
              ingress: [{action: Allow}]
            """)
        #expect(Self.hit(evaluator, Self.web, Self.postgres, .ingress) == "GlobalNetworkPolicy security.block-db-from-shop 0 deny [security]")
        // Not from shop: the security policy selects postgres but no rule matches; tier security's
        // default action is Deny: end of tier, and default's allow is never reached.
        let other = FlowEndpoint.pod(namespace: "kube-system", labels: ["app": "x"])
        #expect(Self.hit(evaluator, other, Self.postgres, .ingress) == "EndOfTier security deny (GlobalNetworkPolicy security.block-db-from-shop)")
    }

    @Test func passHandsTheFlowToTheNextTier() throws {
        // A Pass rule ends its tier: evaluation goes on in the next one (default), which allows.
        let evaluator = try Self.evaluator(Self.tiers + """

            ---
            apiVersion: projectcalico.org/v3
            kind: GlobalNetworkPolicy
            metadata: {name: security.pass-shop}
            spec:
              tier: security
              selector: app == 'postgres'
              types: [Ingress]
              ingress:
                - action: Pass
                  source: {namespaceSelector: team == 'shop'}
                - action: Deny
            ---
            apiVersion: projectcalico.org/v3
            kind: NetworkPolicy
            metadata: {name: allow-shop, namespace: db}
            spec:
              selector: app == 'postgres'
              ingress:
                - action: Allow
                  protocol: TCP
                  source: {namespaceSelector: team == 'shop'}
                  destination: {ports: ["5000:6000"]}
            """)
        #expect(Self.hit(evaluator, Self.web, Self.postgres, .ingress) == "CalicoNetworkPolicy db/allow-shop 0 allow [default]")
        // Port 80 is outside 5000:6000: default's policy selects postgres, no rule matches: end of tier.
        #expect(Self.hit(evaluator, Self.web, Self.postgres, .ingress, port: 80) == "EndOfTier default deny (CalicoNetworkPolicy db/allow-shop)")
        // Not from shop: the Deny after the Pass decides in security.
        #expect(Self.hit(evaluator, Self.api, Self.postgres, .ingress) == "CalicoNetworkPolicy db/allow-shop 0 allow [default]")
        let other = FlowEndpoint.pod(namespace: "kube-system", labels: ["app": "x"])
        #expect(Self.hit(evaluator, other, Self.postgres, .ingress) == "GlobalNetworkPolicy security.pass-shop 1 deny [security]")
    }

    @Test func aTierWhoseDefaultIsPassHandsOnWhatNoRuleDecided() throws {
        // platform's defaultAction is Pass: a policy there selects web, no rule matches, and the
        // flow goes on to default instead of being denied.
        let evaluator = try Self.evaluator(Self.tiers + """

            ---
            apiVersion: projectcalico.org/v3
            kind: GlobalNetworkPolicy
            metadata: {name: platform.dns-only}
            spec:
              tier: platform
              selector: app == 'web'
              types: [Egress]
              egress:
                - action: Allow
                  protocol: UDP
                  destination: {ports: [53]}
            """)
        #expect(Self.hit(evaluator, Self.web, Self.postgres, .egress) == "Profile kns.shop allow")
        #expect(Self.hit(evaluator, Self.web, Self.postgres, .egress, port: 53, proto: "udp") == "GlobalNetworkPolicy platform.dns-only 0 allow [platform]")
    }

    @Test func policiesGoByOrderThenNameAndLogGoesOn() throws {
        // Within a tier: order ascending (none: last), then name; a Log rule does not decide.
        let evaluator = try Self.evaluator("""
            apiVersion: projectcalico.org/v3
            kind: NetworkPolicy
            metadata: {name: b-deny, namespace: db}
            spec:
              order: 10
              selector: app == 'postgres'
              ingress: [{action: Log}, {action: Deny}]
            ---
            apiVersion: projectcalico.org/v3
            kind: NetworkPolicy
            metadata: {name: a-allow, namespace: db}
            spec:
              order: 10
              selector: app == 'postgres'
              ingress: [{action: Allow, source: {selector: app == 'web', namespaceSelector: all()}}]
            ---
            apiVersion: projectcalico.org/v3
            kind: NetworkPolicy
            metadata: {name: c-unordered, namespace: db}
            spec:
              selector: all()
              ingress: [{action: Allow}]
            """)
        // a-allow and b-deny share order 10: a-allow first by name, and it matches web.
        #expect(Self.hit(evaluator, Self.web, Self.postgres, .ingress) == "CalicoNetworkPolicy db/a-allow 0 allow [default]")
        // api: a-allow does not match; b-deny's Log goes on, its Deny decides before c-unordered.
        #expect(Self.hit(evaluator, Self.api, Self.postgres, .ingress) == "CalicoNetworkPolicy db/b-deny 1 deny [default]")
    }

    @Test func kubernetesPoliciesSitInTheDefaultTierAtOrder1000() throws {
        // Calico converts a Kubernetes NetworkPolicy to tier default, order 1000: a Calico policy
        // of order 100 in default comes before it, one of order 2000 after it.
        let evaluator = try Self.evaluator("""
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: allow-web, namespace: db}
            spec:
              podSelector: {matchLabels: {app: postgres}}
              ingress:
                - from: [{namespaceSelector: {matchLabels: {team: shop}}, podSelector: {matchLabels: {app: web}}}]
            ---
            apiVersion: projectcalico.org/v3
            kind: NetworkPolicy
            metadata: {name: deny-api-first, namespace: db}
            spec:
              order: 100
              selector: app == 'postgres'
              ingress: [{action: Deny, source: {selector: app == 'api', namespaceSelector: all()}}]
            ---
            apiVersion: projectcalico.org/v3
            kind: NetworkPolicy
            metadata: {name: allow-late, namespace: db}
            spec:
              order: 2000
              selector: app == 'postgres'
              ingress: [{action: Allow}]
            """)
        #expect(Self.hit(evaluator, Self.api, Self.postgres, .ingress) == "CalicoNetworkPolicy db/deny-api-first 0 deny [default]")
        #expect(Self.hit(evaluator, Self.web, Self.postgres, .ingress) == "NetworkPolicy db/allow-web 0 allow [default]")
        // Neither api nor web: the Kubernetes policy admits nothing, allow-late (2000) allows.
        let other = FlowEndpoint.pod(namespace: "kube-system", labels: ["app": "x"])
        #expect(Self.hit(evaluator, other, Self.postgres, .ingress) == "CalicoNetworkPolicy db/allow-late 0 allow [default]")
    }

    @Test func stagedPoliciesAreEvaluatedBesideTheEnforcedOnesAtTheirOwnOrder() throws {
        // Felix keeps staged policies in the tier's order beside the enforced ones (felix/calc/
        // endpoint_lookup_cache.go: "P1 P2 SP1 SP2 P3 ..."); for the pending verdict each is
        // evaluated as if enforced, and the first that decides, staged or not, decides.
        let yaml = """
            apiVersion: projectcalico.org/v3
            kind: NetworkPolicy
            metadata: {name: db-in, namespace: db}
            spec:
              selector: app == 'postgres'
              ingress: [{action: Allow}]
            ---
            # The same name, staged: it does not replace the enforced db-in. With equal orders
            # policies sort by name, namespace, then kind: NetworkPolicy before
            # StagedNetworkPolicy, so the enforced one is evaluated first and allows.
            apiVersion: projectcalico.org/v3
            kind: StagedNetworkPolicy
            metadata: {name: db-in, namespace: db}
            spec:
              stagedAction: Set
              selector: app == 'postgres'
              ingress: [{action: Allow, source: {selector: app == 'web', namespaceSelector: team == 'shop'}}]
            ---
            # Staged at order 10: before both, it denies api.
            apiVersion: projectcalico.org/v3
            kind: StagedNetworkPolicy
            metadata: {name: deny-api, namespace: db}
            spec:
              order: 10
              selector: app == 'postgres'
              ingress: [{action: Deny, source: {selector: app == 'api', namespaceSelector: team == 'shop'}}]
            ---
            apiVersion: projectcalico.org/v3
            kind: StagedKubernetesNetworkPolicy
            metadata: {name: web-out, namespace: shop}
            spec:
              podSelector: {matchLabels: {app: web}}
              policyTypes: [Egress]
              egress: [{ports: [{port: 443}]}]
            """
        let staged = try Self.evaluator(yaml)
        #expect(Self.hit(staged, Self.api, Self.postgres, .ingress) == "StagedNetworkPolicy db/deny-api 0 deny [default]")
        // web: deny-api does not match; the enforced db-in, first of the two of that name, allows.
        #expect(Self.hit(staged, Self.web, Self.postgres, .ingress) == "CalicoNetworkPolicy db/db-in 0 allow [default]")
        // Only a staged policy selects web's egress: its end of tier names it (no enforced one did).
        #expect(Self.hit(staged, Self.web, Self.postgres, .egress) == "EndOfTier default deny (StagedKubernetesNetworkPolicy shop/web-out)")
        // Without the staged ones (what is enforced today): the enforced db-in allows all.
        let set = try Self.set(yaml)
        let enforced = TieredEvaluator(policies: set.tiered.filter { !$0.isStaged }, tiers: set.tiers, namespaces: Self.namespaces)
        #expect(Self.hit(enforced, Self.api, Self.postgres, .ingress) == "CalicoNetworkPolicy db/db-in 0 allow [default]")
        // stagedAction Delete is never sent to Felix: it changes nothing.
        let deleted = try Self.evaluator(yaml.replacingOccurrences(of: "stagedAction: Set", with: "stagedAction: Delete")
            .replacingOccurrences(of: "spec:\n  order: 10", with: "spec:\n  stagedAction: Delete\n  order: 10"))
        #expect(Self.hit(deleted, Self.api, Self.postgres, .ingress) == "CalicoNetworkPolicy db/db-in 0 allow [default]")
    }

    @Test func theEndOfTierNamesTheLastEnforcedPolicyThatSelectedTheEndpoint() throws {
        // felix/calc/endpoint_lookup_cache.go sets the tier's TierDefaultActionRuleID for every
        // enforced policy that selects the endpoint, in order: the last one is the trigger.
        // Ordering is by order, then name, namespace and kind: a-first (order 5) before
        // z-last (order 5), before m-middle (no order: after every order).
        let evaluator = try Self.evaluator("""
            apiVersion: projectcalico.org/v3
            kind: NetworkPolicy
            metadata: {name: z-last, namespace: db}
            spec: {order: 5, selector: app == 'postgres', ingress: [{action: Allow, source: {selector: app == 'nobody'}}]}
            ---
            apiVersion: projectcalico.org/v3
            kind: NetworkPolicy
            metadata: {name: m-middle, namespace: db}
            spec: {selector: app == 'postgres', ingress: [{action: Allow, source: {selector: app == 'nobody'}}]}
            ---
            apiVersion: projectcalico.org/v3
            kind: NetworkPolicy
            metadata: {name: a-first, namespace: db}
            spec: {order: 5, selector: app == 'postgres', ingress: [{action: Allow, source: {selector: app == 'nobody'}}]}
            """)
        #expect(Self.hit(evaluator, Self.api, Self.postgres, .ingress) == "EndOfTier default deny (CalicoNetworkPolicy db/m-middle)")
    }

    @Test func everyListFormIsRead() throws {
        // kubectl get networkpolicies.projectcalico.org -o yaml prints a typed list whose items
        // carry neither kind nor apiVersion; kubectl get netpol -A -o yaml likewise.
        let set = try Self.set("""
            apiVersion: projectcalico.org/v3
            kind: NetworkPolicyList
            items:
              - metadata: {name: a, namespace: db}
                spec: {selector: all(), ingress: [{action: Allow}]}
            ---
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicyList
            items:
              - metadata: {name: b, namespace: db}
                spec: {podSelector: {}, policyTypes: [Ingress]}
            ---
            apiVersion: v1
            kind: List
            items:
              - apiVersion: projectcalico.org/v3
                kind: GlobalNetworkPolicy
                metadata: {name: c}
                spec: {selector: all(), types: [Egress], egress: [{action: Allow}]}
              - apiVersion: v1
                kind: ConfigMap
                metadata: {name: not-a-policy}
            """)
        #expect(set.calico.map(\.qualifiedName).sorted() == ["c", "db/a"])
        #expect(set.kubernetes.map(\.id) == ["db/b"])
        #expect(set.skipped.count == 1 && set.skipped[0].hasSuffix("ConfigMap not-a-policy"))
    }

    @Test func whatFlowDataCannotDecideIsSaidNotGuessed() throws {
        let evaluator = try Self.evaluator("""
            apiVersion: projectcalico.org/v3
            kind: NetworkPolicy
            metadata: {name: sa, namespace: db}
            spec:
              selector: app == 'postgres'
              ingress:
                - action: Allow
                  source: {serviceAccounts: {names: [web]}}
                - action: Allow
                  destination: {ports: [postgres]}
            """)
        #expect(Self.hit(evaluator, Self.web, Self.postgres, .ingress).hasPrefix("undecidable: CalicoNetworkPolicy db/sa ingress rule 0: a service account match"))
        // With the pods' ports, the named port decides.
        let pods = NamedPorts(pods: ["db": [NamedPorts.Pod(name: "postgres-0", labels: ["app": "postgres"],
                                                           ports: ["postgres": [NamedPorts.ContainerPort(protocol: "tcp", number: 5432)]])]])
        let named = try Self.evaluator("""
            apiVersion: projectcalico.org/v3
            kind: NetworkPolicy
            metadata: {name: named, namespace: db}
            spec:
              selector: app == 'postgres'
              ingress: [{action: Allow, destination: {ports: [postgres]}}]
            """, ports: pods)
        #expect(Self.hit(named, Self.web, Self.postgres, .ingress) == "CalicoNetworkPolicy db/named 0 allow [default]")
        #expect(Self.hit(named, Self.web, Self.postgres, .ingress, port: 80) == "EndOfTier default deny (CalicoNetworkPolicy db/named)")
    }

    @Test func netsDecideAgainstPubAndPvt() throws {
        let evaluator = try Self.evaluator("""
            apiVersion: projectcalico.org/v3
            kind: NetworkPolicy
            metadata: {name: out, namespace: shop}
            spec:
              selector: app == 'web'
              types: [Egress]
              egress:
                - action: Deny
                  destination: {nets: [10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16]}
                - action: Allow
                  destination: {notNets: [10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16]}
            """)
        #expect(Self.hit(evaluator, Self.web, Self.internet, .egress, port: 443) == "CalicoNetworkPolicy shop/out 1 allow [default]")
        #expect(Self.hit(evaluator, Self.web, .other(kind: .network, name: "pvt"), .egress, port: 443) == "CalicoNetworkPolicy shop/out 0 deny [default]")
    }

    @Test func badCalicoObjectsNameTheirLine() throws {
        do {
            _ = try Self.set("""
                apiVersion: projectcalico.org/v3
                kind: NetworkPolicy
                metadata: {name: bad, namespace: db}
                spec:
                  selector: app == 
                """)
            Issue.record("loaded")
        } catch let error as PolicyFileError {
            #expect(error.line == 5 && error.message.contains("db/bad: spec.selector: selector \"app ==\": expected a quoted string"))
        }
    }
}

/// Host endpoints and network sets, selected by the labels Goldmane gives them (Calico's
/// EntityRule: `namespaceSelector: global()` picks non-namespaced endpoints; without a
/// namespaceSelector a namespaced policy picks only its own namespace's network sets, a global
/// policy every endpoint).
@Suite struct LabelledEndpointTests {
    static let node = FlowEndpoint.other(kind: .host, name: "k8s-node1", labels: ["kubernetes.io/hostname": "k8s-node1"])
    static let lan = FlowEndpoint.other(kind: .networkset, name: "lan-clients", namespace: "traefik", labels: ["role": "lan"])
    static let traefik = FlowEndpoint.pod(namespace: "traefik", labels: ["app": "traefik"])

    static func evaluator(_ yaml: String) throws -> TieredEvaluator { try TieredEvaluationTests.evaluator(yaml) }

    @Test func aNamespacedPolicyPicksHostsOnlyThroughGlobal() throws {
        let evaluator = try Self.evaluator("""
            apiVersion: projectcalico.org/v3
            kind: NetworkPolicy
            metadata: {name: probes, namespace: traefik}
            spec:
              selector: app == 'traefik'
              ingress:
                - action: Allow
                  source: {selector: has(kubernetes.io/hostname)}
                - action: Allow
                  source: {selector: has(kubernetes.io/hostname), namespaceSelector: global()}
                - action: Allow
                  source: {selector: role == 'lan'}
            """)
        // Rule 0 has no namespaceSelector: it picks endpoints of traefik only, not the host.
        #expect(TieredEvaluationTests.hit(evaluator, Self.node, Self.traefik, .ingress, port: 8080) == "CalicoNetworkPolicy traefik/probes 1 allow [default]")
        // The namespaced network set of traefik is picked by rule 2 (rules 0 and 1 do not match its labels).
        #expect(TieredEvaluationTests.hit(evaluator, Self.lan, Self.traefik, .ingress, port: 443) == "CalicoNetworkPolicy traefik/probes 2 allow [default]")
    }

    @Test func aGlobalPolicyPicksEveryEndpointByLabels() throws {
        let evaluator = try Self.evaluator("""
            apiVersion: projectcalico.org/v3
            kind: GlobalNetworkPolicy
            metadata: {name: from-nodes}
            spec:
              selector: app == 'traefik'
              types: [Ingress]
              ingress:
                - action: Allow
                  source: {selector: kubernetes.io/hostname == 'k8s-node1'}
            """)
        #expect(TieredEvaluationTests.hit(evaluator, Self.node, Self.traefik, .ingress, port: 8080) == "GlobalNetworkPolicy from-nodes 0 allow [default]")
        let other = FlowEndpoint.other(kind: .host, name: "k8s-node2", labels: ["kubernetes.io/hostname": "k8s-node2"])
        #expect(TieredEvaluationTests.hit(evaluator, other, Self.traefik, .ingress, port: 8080) == "EndOfTier default deny (GlobalNetworkPolicy from-nodes)")
        let unlabelled = FlowEndpoint.other(kind: .host, name: "k8s-node3")
        #expect(TieredEvaluationTests.hit(evaluator, unlabelled, Self.traefik, .ingress, port: 8080).hasPrefix("undecidable: "))
    }

    @Test func netsAgainstANetworkSetAreDecidedByItsOwnNets() throws {
        // The files define the network set's nets: a rule's nets that hold all of them match,
        // none of them do not, part of them is undecidable (which address the flow went to,
        // Goldmane does not say).
        let mirrors = FlowEndpoint.other(kind: .networkset, name: "blocklist-mirrors", labels: ["role": "mirrors"])
        let crowdsec = FlowEndpoint.pod(namespace: "crowdsec", labels: ["app": "crowdsec-lapi"])
        let yaml = { (nets: String) in """
            apiVersion: projectcalico.org/v3
            kind: GlobalNetworkSet
            metadata: {name: blocklist-mirrors, labels: {role: mirrors}}
            spec: {nets: [203.0.113.0/25, 203.0.113.128/25]}
            ---
            apiVersion: projectcalico.org/v3
            kind: NetworkPolicy
            metadata: {name: out, namespace: crowdsec}
            spec:
              selector: app == 'crowdsec-lapi'
              types: [Egress]
              egress: [{action: Allow, destination: {nets: [\(nets)]}}]
            """ }
        #expect(TieredEvaluationTests.hit(try Self.evaluator(yaml("203.0.113.0/24")), crowdsec, mirrors, .egress, port: 443)
            == "CalicoNetworkPolicy crowdsec/out 0 allow [default]")
        #expect(TieredEvaluationTests.hit(try Self.evaluator(yaml("198.51.100.0/24")), crowdsec, mirrors, .egress, port: 443)
            == "EndOfTier default deny (CalicoNetworkPolicy crowdsec/out)")
        #expect(TieredEvaluationTests.hit(try Self.evaluator(yaml("203.0.113.0/25")), crowdsec, mirrors, .egress, port: 443)
            .hasPrefix("undecidable: "))
        // Without the set's definition: undecidable, naming what to give.
        let bare = try Self.evaluator(yaml("203.0.113.0/24").replacingOccurrences(of: "kind: GlobalNetworkSet", with: "kind: GlobalNetworkSetX"))
        #expect(TieredEvaluationTests.hit(bare, crowdsec, mirrors, .egress, port: 443).contains("its nets are not in the files"))
    }
}
