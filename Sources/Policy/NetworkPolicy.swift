/// A Kubernetes NetworkPolicy (networking.k8s.io/v1), as far as its meaning goes.
public struct NetworkPolicy: Sendable, Equatable {
    /// Where it came from, for messages: file and line of the object.
    public struct Origin: Sendable, Equatable, CustomStringConvertible {
        public var file: String
        public var line: Int
        public init(file: String, line: Int) {
            self.file = file
            self.line = line
        }
        public var description: String { "\(file):\(line)" }
    }

    public struct Port: Sendable, Equatable {
        public enum Value: Sendable, Equatable {
            case number(Int)
            /// A named container port: flow data does not carry port names.
            case name(String)
        }
        /// TCP, UDP or SCTP; TCP when the policy leaves it out.
        public var `protocol`: String
        /// Nil: every port of the protocol.
        public var port: Value?
        public var endPort: Int?

        public init(protocol: String = "TCP", port: Value? = nil, endPort: Int? = nil) {
            self.protocol = `protocol`
            self.port = port
            self.endPort = endPort
        }
    }

    public struct IPBlock: Sendable, Equatable {
        public var cidr: String
        public var except: [String]
        public init(cidr: String, except: [String] = []) {
            self.cidr = cidr
            self.except = except
        }
    }

    /// One `from` or `to` entry. With both selectors, pods matching `podSelector` in namespaces
    /// matching `namespaceSelector` (an AND); with `podSelector` alone, pods of the policy's
    /// namespace; with `namespaceSelector` alone, every pod of the matching namespaces.
    public struct Peer: Sendable, Equatable {
        public var podSelector: LabelSelector?
        public var namespaceSelector: LabelSelector?
        public var ipBlock: IPBlock?

        public init(podSelector: LabelSelector? = nil, namespaceSelector: LabelSelector? = nil, ipBlock: IPBlock? = nil) {
            self.podSelector = podSelector
            self.namespaceSelector = namespaceSelector
            self.ipBlock = ipBlock
        }
    }

    /// An ingress or egress rule: the peers (`from` or `to`) and the ports, each empty meaning all.
    public struct Rule: Sendable, Equatable {
        public var peers: [Peer]
        public var ports: [Port]
        public init(peers: [Peer] = [], ports: [Port] = []) {
            self.peers = peers
            self.ports = ports
        }
    }

    public var name: String
    public var namespace: String
    public var podSelector: LabelSelector
    /// Whether the policy isolates the selected pods for ingress and for egress (its
    /// `policyTypes`, or Kubernetes' default: Ingress always, Egress when it has egress rules).
    public var isolatesIngress: Bool
    public var isolatesEgress: Bool
    public var ingress: [Rule]
    public var egress: [Rule]
    public var origin: Origin?

    /// `policyTypes` nil or empty takes Kubernetes' default (the API server's
    /// SetDefaults_NetworkPolicySpec): Ingress, plus Egress when `egress` holds a rule.
    public init(name: String, namespace: String, podSelector: LabelSelector = .everything, policyTypes: [String]? = nil,
                ingress: [Rule] = [], egress: [Rule] = [], origin: Origin? = nil) {
        self.name = name
        self.namespace = namespace
        self.podSelector = podSelector
        if let policyTypes, !policyTypes.isEmpty {
            isolatesIngress = policyTypes.contains("Ingress")
            isolatesEgress = policyTypes.contains("Egress")
        } else {
            isolatesIngress = true
            isolatesEgress = !egress.isEmpty
        }
        self.ingress = ingress
        self.egress = egress
        self.origin = origin
    }

    /// `namespace/name`.
    public var id: String { "\(namespace)/\(name)" }
}
