import GoldmaneAPI
import TrailFormat

/// A home-lab cluster of about forty namespaces, modelled on the runbook's: traefik
/// ingress fan-out, monitoring scraping, dbaas and redis back-ends, kube-dns from every
/// namespace, host endpoints, internet egress, same-namespace traffic, a few denies and a
/// CronJob seen once a day.
enum HomeLabCluster {
    static let nodes = ["k8s-node1", "k8s-node2", "k8s-node3", "k8s-node4"]

    /// Web applications behind traefik: namespace, deployment, pod-template hash, port, uses.
    struct App {
        var namespace: String
        var deployment: String
        var hash: String
        var port: Int64
        var postgres = false
        var mysql = false
        var redis = false
        var internet = false
        var web = true
        var workload: Endpoint { .workload(namespace, "\(deployment)-\(hash)-*", app: deployment) }
    }

    static let apps: [App] = [
        App(namespace: "nextcloud", deployment: "nextcloud", hash: "6d9f8b7c54", port: 80, mysql: true, redis: true, internet: true),
        App(namespace: "immich", deployment: "immich-server", hash: "7b5c9d6f48", port: 2283, postgres: true, redis: true, internet: true),
        App(namespace: "jellyfin", deployment: "jellyfin", hash: "5f7d8c9b62", port: 8096, internet: true),
        App(namespace: "paperless", deployment: "paperless-ngx", hash: "84c6b9d7f5", port: 8000, postgres: true, redis: true),
        App(namespace: "home-assistant", deployment: "home-assistant", hash: "6c8d5b7f49", port: 8123, postgres: true, internet: true),
        App(namespace: "gitea", deployment: "gitea", hash: "9d7b6c5f84", port: 3000, postgres: true, internet: true),
        App(namespace: "woodpecker", deployment: "woodpecker-server", hash: "5b8c7d6f92", port: 8000, postgres: true, internet: true),
        App(namespace: "vaultwarden", deployment: "vaultwarden", hash: "7f6d9c8b45", port: 80, postgres: true),
        App(namespace: "authentik", deployment: "authentik-server", hash: "6b9c8d7f54", port: 9000, postgres: true, redis: true, internet: true),
        App(namespace: "mealie", deployment: "mealie", hash: "8c7b6d5f94", port: 9000, postgres: true),
        App(namespace: "freshrss", deployment: "freshrss", hash: "5d9c7b8f64", port: 80, mysql: true, internet: true),
        App(namespace: "uptime-kuma", deployment: "uptime-kuma", hash: "9f8c6d7b52", port: 3001, internet: true),
        App(namespace: "n8n", deployment: "n8n", hash: "6f7b9c8d45", port: 5678, postgres: true, internet: true),
        App(namespace: "linkwarden", deployment: "linkwarden", hash: "7c9d8b6f52", port: 3000, postgres: true, internet: true),
        App(namespace: "audiobookshelf", deployment: "audiobookshelf", hash: "8b6c9d7f42", port: 80),
        App(namespace: "navidrome", deployment: "navidrome", hash: "5c7f8d9b64", port: 4533),
        App(namespace: "tandoor", deployment: "tandoor", hash: "9b8d7c6f54", port: 8080, postgres: true),
        App(namespace: "frigate", deployment: "frigate", hash: "6d8f9b7c52", port: 5000, redis: true),
        App(namespace: "ollama", deployment: "ollama", hash: "7d9b6c8f45", port: 11434, internet: true, web: false),
        App(namespace: "open-webui", deployment: "open-webui", hash: "8f7c9d6b54", port: 8080, postgres: true),
        App(namespace: "minio", deployment: "minio", hash: "5f9d8c7b46", port: 9000),
        App(namespace: "recruiter-responder", deployment: "recruiter-responder", hash: "6c9f7d8b54", port: 8080, postgres: true, internet: true),
        App(namespace: "claude-memory", deployment: "claude-memory", hash: "9c6d8f7b45", port: 8080, postgres: true, web: false),
        App(namespace: "syncthing", deployment: "syncthing", hash: "7b8f9d6c52", port: 8384, internet: true),
        App(namespace: "headscale", deployment: "headscale", hash: "8d6b7c9f45", port: 8080, postgres: true, internet: true),
        App(namespace: "crowdsec", deployment: "crowdsec-lapi", hash: "6f8d9c7b52", port: 8080, internet: true, web: false),
        App(namespace: "mosquitto", deployment: "mosquitto", hash: "9d8c7f6b54", port: 1883, web: false),
        App(namespace: "zigbee2mqtt", deployment: "zigbee2mqtt", hash: "5b6d8f9c74", port: 8080),
        App(namespace: "technitium", deployment: "technitium", hash: "7f9b8d6c45", port: 5380, internet: true),
    ]

    /// Platform namespaces without a web front end of their own.
    static let platformNamespaces = ["calico-system", "cert-manager", "vault", "external-secrets", "kyverno",
                                     "longhorn-system", "metallb-system"]

    static let traefik = Endpoint.workload("traefik", "traefik-7cbc567497-*", app: "traefik")
    static let prometheus = Endpoint.workload("monitoring", "prometheus-server-5d8f7c9b46-*", identity: "prometheus", app: "prometheus")
    static let grafana = Endpoint.workload("monitoring", "grafana-6b8d7c9f54-*", identity: "grafana", app: "grafana")
    static let alertmanager = Endpoint.workload("monitoring", "alertmanager-0", identity: "alertmanager", app: "alertmanager")
    static let loki = Endpoint.workload("monitoring", "loki-0", identity: "loki", app: "loki")
    static let promtail = Endpoint.workload("monitoring", "promtail-*", identity: "promtail", app: "promtail")
    /// CoreDNS keeps the `k8s-app=kube-dns` label of the kube-dns it replaced (NetworkPolicies select it by that).
    static let coredns: Endpoint = {
        var endpoint = Endpoint.workload("kube-system", "coredns-7db6d8ff4d-*", identity: "kube-dns", app: "coredns")
        endpoint.labels = (endpoint.labels + ["k8s-app=kube-dns"]).sorted()
        return endpoint
    }()
    static let postgres = Endpoint.workload("dbaas", "pg-cluster-1", identity: "postgres", app: "pg-cluster")
    static let postgresReplica = Endpoint.workload("dbaas", "pg-cluster-2", identity: "postgres", app: "pg-cluster")
    static let mysql = Endpoint.workload("dbaas", "mysql-0", identity: "mysql", app: "mysql")
    static let redis = Endpoint.workload("redis", "redis-master-0", app: "redis")
    static let certManager = Endpoint.workload("cert-manager", "cert-manager-5c9d8b7f64-*", app: "cert-manager")
    static let vault = Endpoint.workload("vault", "vault-0", app: "vault")
    static let externalSecrets = Endpoint.workload("external-secrets", "external-secrets-8d7c6b9f54-*", app: "external-secrets")

    /// The conversations of the cluster; `scale` > 1 adds copies of the application
    /// namespaces (`nextcloud-2`, ...) for a busier cluster.
    static func conversations(scale: Int = 1) -> [Conversation] {
        var appSet = apps
        if scale > 1 {
            for copy in 2...scale {
                appSet += apps.map { app in
                    var clone = app
                    clone.namespace = "\(app.namespace)-\(copy)"
                    return clone
                }
            }
        }
        var all: [Conversation] = []
        func talk(_ source: Endpoint, _ destination: Endpoint, _ port: Int64, _ proto: String = "tcp",
                  service: (String, String)? = nil, rate: Double, both: Bool = true,
                  action: Goldmane_Action = .allow, staged: [(reporter: Goldmane_Reporter, action: Goldmane_Action)] = []) {
            var verdicts: [(Goldmane_Reporter, Goldmane_Action)] = [(.src, action)]
            if both && destination.type == .workloadEndpoint { verdicts.append((.dst, action)) }
            all.append(Conversation(source: source, destination: destination, port: port, proto: proto,
                                    service: service.map { (namespace: $0.0, name: $0.1) }, rate: rate,
                                    verdicts: verdicts, staged: staged))
        }

        for app in appSet {
            let workload = app.workload
            if app.web { talk(traefik, workload, app.port, service: (app.namespace, app.deployment), rate: 0.55) }
            talk(prometheus, workload, 9100 + app.port % 7, service: (app.namespace, "\(app.deployment)-metrics"), rate: 0.5)
            talk(workload, coredns, 53, "udp", service: ("kube-system", "kube-dns"), rate: 0.7)
            talk(workload, coredns, 53, "tcp", service: ("kube-system", "kube-dns"), rate: 0.05)
            if app.postgres { talk(workload, postgres, 5432, service: ("dbaas", "pg-cluster-rw"), rate: 0.6) }
            if app.mysql { talk(workload, mysql, 3306, service: ("dbaas", "mysql"), rate: 0.5) }
            if app.redis { talk(workload, redis, 6379, service: ("redis", "redis-master"), rate: 0.6) }
            if app.internet { talk(workload, .network(.pub), 443, rate: 0.3, both: false) }
        }
        for namespace in platformNamespaces {
            let workload = Endpoint.workload(namespace, "\(namespace)-controller-6d8c9b7f54-*", app: "\(namespace)-controller")
            talk(workload, coredns, 53, "udp", service: ("kube-system", "kube-dns"), rate: 0.5)
            talk(prometheus, workload, 8080, service: (namespace, "\(namespace)-metrics"), rate: 0.5)
        }

        // Monitoring inside its own namespace: distinct services, one namespace.
        talk(grafana, prometheus, 9090, service: ("monitoring", "prometheus-server"), rate: 0.4)
        talk(grafana, loki, 3100, service: ("monitoring", "loki"), rate: 0.3)
        talk(prometheus, alertmanager, 9093, service: ("monitoring", "alertmanager"), rate: 0.5)
        talk(promtail, loki, 3100, service: ("monitoring", "loki"), rate: 0.9)
        talk(grafana, postgres, 5432, service: ("dbaas", "pg-cluster-rw"), rate: 0.2)
        talk(grafana, coredns, 53, "udp", service: ("kube-system", "kube-dns"), rate: 0.3)
        // Alerting egress is allowed by a platform-tier GlobalNetworkPolicy, above the Kubernetes policies.
        talk(alertmanager, .network(.pub), 443, rate: 0.02, both: false)

        // Same-namespace traffic in application namespaces.
        talk(.workload("immich", "immich-server-7b5c9d6f48-*", app: "immich-server"),
             .workload("immich", "immich-machine-learning-6c9b8d7f54-*", app: "immich-machine-learning"),
             3003, service: ("immich", "immich-machine-learning"), rate: 0.2)
        talk(.workload("paperless", "paperless-ngx-84c6b9d7f5-*", app: "paperless-ngx"),
             .workload("paperless", "gotenberg-9c7d6b8f54-*", app: "gotenberg"), 3000, service: ("paperless", "gotenberg"), rate: 0.1)
        talk(postgres, postgresReplica, 5432, service: ("dbaas", "pg-cluster-r"), rate: 0.95)

        // Platform plumbing.
        talk(externalSecrets, vault, 8200, service: ("vault", "vault"), rate: 0.3)
        talk(certManager, .network(.pub), 443, rate: 0.05, both: false)
        // Staged (not yet enforced) default-deny egress policies would deny these two.
        talk(.workload("technitium", "technitium-7f9b8d6c45-*", app: "technitium"), .network(.pub), 53, "udp", rate: 0.8, both: false,
             staged: [(.src, .deny)])
        talk(.workload("immich", "immich-server-7b5c9d6f48-*", app: "immich-server"), .network(.pvt), 2049, rate: 0.4, both: false)
        talk(.workload("jellyfin", "jellyfin-5f7d8c9b62-*", app: "jellyfin"), .network(.pvt), 2049, rate: 0.3, both: false)
        talk(.workload("home-assistant", "home-assistant-6c8d5b7f49-*", app: "home-assistant"),
             .workload("mosquitto", "mosquitto-9d8c7f6b54-*", app: "mosquitto"), 1883, service: ("mosquitto", "mosquitto"), rate: 0.7)
        talk(.workload("zigbee2mqtt", "zigbee2mqtt-5b6d8f9c74-*", app: "zigbee2mqtt"),
             .workload("mosquitto", "mosquitto-9d8c7f6b54-*", app: "mosquitto"), 1883, service: ("mosquitto", "mosquitto"), rate: 0.7)
        talk(.workload("open-webui", "open-webui-8f7c9d6b54-*", app: "open-webui"),
             .workload("ollama", "ollama-7d9b6c8f45-*", app: "ollama"), 11434, service: ("ollama", "ollama"), rate: 0.15)

        // Host endpoints: kubelet probes arrive from the nodes; prometheus scrapes node-exporter on the hosts.
        for node in nodes {
            talk(.host(node), traefik, 8080, rate: 0.6)
            talk(prometheus, .host(node), 9100, rate: 0.5, both: false)
        }
        talk(.networkSet("lan-clients", namespace: "traefik"), traefik, 443, service: ("traefik", "traefik"), rate: 0.8)
        talk(.workload("crowdsec", "crowdsec-lapi-6f8d9c7b52-*", app: "crowdsec-lapi"), .networkSet("blocklist-mirrors"), 443, rate: 0.1, both: false,
             staged: [(.src, .deny)])

        // Denies: egress to SMTP (an explicit deny of the security tier, above the Kubernetes
        // policies), and a client the database's ingress policy refuses.
        all.append(Conversation(
            source: .workload("recruiter-responder", "recruiter-responder-6c9f7d8b54-*", app: "recruiter-responder"),
            destination: .network(.pub), port: 25, proto: "tcp", service: nil, rate: 0.08,
            verdicts: [(.src, .deny)], staleZeroCounters: true))
        all.append(Conversation(
            source: .workload("crowdsec", "crowdsec-lapi-6f8d9c7b52-*", app: "crowdsec-lapi"), destination: postgres,
            port: 5432, proto: "tcp", service: ("dbaas", "pg-cluster-rw"), rate: 0.1,
            verdicts: [(.src, .allow), (.dst, .deny)]))
        all.append(Conversation(
            source: .workload("uptime-kuma", "uptime-kuma-9f8c6d7b52-*", app: "uptime-kuma"), destination: vault,
            port: 8200, proto: "tcp", service: ("vault", "vault"), rate: 0.05,
            verdicts: [(.src, .deny)],
            staged: [(.src, .allow)]))

        // A CronJob that runs once a day: seen in one bucket a day.
        all.append(Conversation(
            source: .workload("paperless", "fixer-tick-29804008-*", app: "fixer-tick"), destination: .workload("minio", "minio-5f9d8c7b46-*", app: "minio"),
            port: 9000, proto: "tcp", service: ("minio", "minio"), rate: 1.0,
            verdicts: [(.src, .allow), (.dst, .allow)], dailyAt: 3 * 3600))
        return all
    }
}
