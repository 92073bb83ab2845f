/// A Kubernetes NetworkPolicy (networking.k8s.io/v1), as far as its meaning goes.
package struct NetworkPolicy: Sendable, Equatable {
    /// Where it came from, for messages: file and line of the object.
    package struct Origin: Sendable, Equatable, CustomStringConvertible {
        package var file: String
        package var line: Int
        package init(file: String, line: Int) {
            self.file = file
            self.line = line
        }
        package var description: String { "\(file):\(line)" }
    }

    package struct Port: Sendable, Equatable {
        package enum Value: Sendable, Equatable {
            case number(Int)
            /// A named container port: flow data does not carry port names.
            case name(String)
        }
        /// TCP, UDP or SCTP; TCP when the policy leaves it out.
        package var `protocol`: String
        /// Nil: every port of the protocol.
        package var port: Value?
        package var endPort: Int?

        package init(protocol: String = "TCP", port: Value? = nil, endPort: Int? = nil) {
            self.protocol = `protocol`
            self.port = port
            self.endPort = endPort
        }
    }

    package struct IPBlock: Sendable, Equatable {
        package var cidr: String
        package var except: [String]
        package init(cidr: String, except: [String] = []) {
            self.cidr = cidr
            self.except = except
        }
    }

    /// One `from` or `to` entry. With both selectors, pods matching `podSelector` in namespaces
    /// matching `namespaceSelector` (an AND); with `podSelector` alone, pods of the policy's
    /// namespace; with `namespaceSelector` alone, every pod of the matching namespaces.
    package struct Peer: Sendable, Equatable {
        package var podSelector: LabelSelector?
        package var namespaceSelector: LabelSelector?
        package var ipBlock: IPBlock?

        package init(podSelector: LabelSelector? = nil, namespaceSelector: LabelSelector? = nil, ipBlock: IPBlock? = nil) {
            self.podSelector = podSelector
            self.namespaceSelector = namespaceSelector
            self.ipBlock = ipBlock
        }
    }

    /// An ingress or egress rule: the peers (`from` or `to`) and the ports, each empty meaning all.
    package struct Rule: Sendable, Equatable {
        package var peers: [Peer]
        package var ports: [Port]
        package init(peers: [Peer] = [], ports: [Port] = []) {
            self.peers = peers
            self.ports = ports
        }
    }

    package var name: String
    package var namespace: String
    package var podSelector: LabelSelector
    /// Whether the policy isolates the selected pods for ingress and for egress (its
    /// `policyTypes`, or Kubernetes' default: Ingress always, Egress when it has egress rules).
    package var isolatesIngress: Bool
    package var isolatesEgress: Bool
    package var ingress: [Rule]
    package var egress: [Rule]
    package var origin: Origin?

    /// `policyTypes` nil or empty takes Kubernetes' default (the API server's
    /// SetDefaults_NetworkPolicySpec): Ingress, plus Egress when `egress` holds a rule.
    package init(name: String, namespace: String, podSelector: LabelSelector = .everything, policyTypes: [String]? = nil,
                 ingress: [Rule] = [], egress: [Rule] = [], origin: Origin? = nil) {
        self.name = name
        self.namespace = namespace
        self.podSelector = podSelector
        if let policyTypes, !policyTypes.isEmpty {
            isolatesIngress = policyTypes.contains(PolicyDirection.ingress.policyType)
            isolatesEgress = policyTypes.contains(PolicyDirection.egress.policyType)
        } else {
            isolatesIngress = true
            isolatesEgress = !egress.isEmpty
        }
        self.ingress = ingress
        self.egress = egress
        self.origin = origin
    }

    /// `namespace/name`.
    package var id: String { "\(namespace)/\(name)" }
}
