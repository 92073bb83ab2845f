"""`policy-check` against a real PostgreSQL loaded with the samples: the candidate policies of
`egress-report --policies` pass over the window they came from; a default-deny would block
what it should, report what a higher Calico tier decided instead of counting it, and say what
flow data cannot decide; namespace labels from `kubectl get ns -o yaml`; bad YAML is 65 with
file and line; replay fills the policy projection exactly as etl does."""
import json
import os
import subprocess
import uuid

import pytest

from conftest import ROOT, SAMPLES, Database

FROM, TO = "2026-11-27T00:00:00Z", "2026-11-28T00:00:00Z"


@pytest.fixture(scope="module")
def samples():
    if "PGHOST" not in os.environ:
        pytest.fail("no PostgreSQL: run the tests through `make test`")
    name = "p_" + uuid.uuid4().hex[:12]
    subprocess.run(["createdb", name], check=True)
    database = Database(name)
    database.trail("etl", "--archive", SAMPLES)
    yield database
    subprocess.run(["dropdb", "--force", name], check=False)


def check(database, *arguments):
    result = database.trail("policy-check", *arguments, "--format", "json", check=False)
    assert result.returncode in (0, 3), result.stderr
    return result.returncode, json.loads(result.stdout)


def write(directory, name, text):
    path = directory / name
    path.write_text(text)
    return str(path)


def flows(section):
    return {(item["flow"]["source"], item["flow"]["destination"], item["flow"]["port"], item["flow"]["protocol"]) for item in section}


def test_candidate_policies_pass_over_the_window_they_were_derived_from(samples, tmp_path):
    report = json.loads(samples.trail("egress-report", "--format", "json", "--policies", str(tmp_path / "policies")).stdout)
    start, end = str(report["coverage"]["start"]), str(report["coverage"]["end"])
    policies = sorted(os.listdir(tmp_path / "policies"))
    assert len(policies) > 30
    code, result = check(samples, "--policies", str(tmp_path / "policies"), "--from", start, "--to", end)
    assert code == 0, result["blocked"]
    assert result["blocked"] == []
    assert result["policies"] == len(policies)
    assert result["evaluated"] > 150 and result["allowed"] + result["counts"]["undecidable"] == result["evaluated"]
    # What the candidate writer leaves to a human (hosts, network sets) is undecidable, never guessed.
    reasons = " ".join(" ".join(item["reasons"]) for item in result["undecidable"])
    assert "host k8s-node1" in reasons and "networkset blocklist-mirrors" in reasons
    # The same check as markdown: exit 0 and a summary that says so.
    markdown = samples.trail("policy-check", "--policies", str(tmp_path / "policies"), "--from", start, "--to", end)
    assert "## Would be blocked (0)" in markdown.stdout and "0 would be blocked" in markdown.stdout


DENY_MONITORING = """\
# monitoring may only resolve names.
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: default-deny-egress, namespace: monitoring}
spec:
  podSelector: {}
  policyTypes: [Egress]
  egress:
  - to:
    - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: kube-system}}
      podSelector: {matchLabels: {k8s-app: kube-dns}}
    ports: [{protocol: UDP, port: 53}, {protocol: TCP, port: 53}]
  - to: [{podSelector: {matchLabels: {app.kubernetes.io/name: never-seen}}}]
"""


def test_a_default_deny_blocks_reports_higher_tiers_and_exits_3(samples, tmp_path):
    path = write(tmp_path, "monitoring.yaml", DENY_MONITORING)
    code, result = check(samples, "--policies", path, "--from", FROM, "--to", TO)
    assert code == 3
    blocked = flows(result["blocked"])
    # In-namespace and cross-namespace egress of monitoring's pods.
    assert ("monitoring/grafana", "monitoring/prometheus-server", 9090, "tcp") in blocked
    assert ("monitoring/grafana", "dbaas/pg-cluster-1", 5432, "tcp") in blocked
    assert all(source.startswith("monitoring/") for source, _, _, _ in blocked)
    assert not any(destination == "kube-system/coredns" for _, destination, _, _ in blocked), "DNS stays allowed"
    for item in result["blocked"]:
        assert item["isolated_by"] == ["egress of namespace monitoring, isolated by monitoring/default-deny-egress"]
    # alertmanager's internet egress was allowed by the platform tier: not the policy's to change.
    above = {(item["flow"]["source"], item["flow"]["destination"], item["flow"]["port"]): item for item in result["decided_above"]}
    alerting = above[("monitoring/alertmanager-0", "network pub", 443)]
    assert alerting["decided_by"] == ["egress: GlobalNetworkPolicy allow-alerting-egress rule 0 (tier platform): allow"]
    assert ("monitoring/alertmanager-0", "network pub", 443, "tcp") not in blocked
    # prometheus scraping nodes: a host endpoint, which flow data cannot place in a rule.
    undecidable = flows(result["undecidable"])
    assert ("monitoring/prometheus-server", "host k8s-node1", 9100, "tcp") in undecidable
    assert [rule["rule"] for rule in result["unused_rules"]] == ["monitoring/default-deny-egress egress[1]"]
    assert result["unused_rules"][0]["origin"].endswith("monitoring.yaml:2")
    # Flows of other namespaces are evaluated and stay allowed (nothing isolates them).
    assert result["allowed"] > 100
    assert result["counts"]["blocked"] == len(result["blocked"]) and result["tiers_after_default"] == ["baselineadminnetworkpolicy", "kube-baseline"]
    # Told that the platform tier comes after default, the alerting egress is the policy's to block.
    code, later = check(samples, "--policies", path, "--from", FROM, "--to", TO, "--tiers-after-default", "platform")
    assert ("monitoring/alertmanager-0", "network pub", 443, "tcp") in flows(later["blocked"]) and later["decided_above"] == []
    assert later["tiers_after_default"] == ["baselineadminnetworkpolicy", "kube-baseline", "platform"]


DBAAS_INGRESS = """\
apiVersion: v1
kind: List
items:
- apiVersion: networking.k8s.io/v1
  kind: NetworkPolicy
  metadata: {name: clients, namespace: dbaas}
  spec:
    podSelector: {matchExpressions: [{key: app.kubernetes.io/name, operator: In, values: [pg-cluster]}]}
    ingress:
    - from: [{namespaceSelector: {matchLabels: {dbaas-client: "yes"}}}]
      ports: [{port: 5000, endPort: 5500}]
    - from: [{podSelector: {}}]
"""

NAMESPACES = """\
apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: Namespace
  metadata: {name: gitea, labels: {dbaas-client: "yes"}}
- apiVersion: v1
  kind: Namespace
  metadata: {name: linkwarden, labels: {dbaas-client: "no"}}
"""


def test_ingress_by_namespace_labels_and_port_ranges(samples, tmp_path):
    policies = write(tmp_path, "dbaas.yaml", DBAAS_INGRESS)
    namespaces = write(tmp_path, "ns.yaml", NAMESPACES)
    code, result = check(samples, "--policies", policies, "--namespaces", namespaces, "--from", FROM, "--to", TO)
    assert code == 3
    blocked = flows(result["blocked"])
    assert ("gitea/gitea", "dbaas/pg-cluster-1", 5432, "tcp") not in blocked, "a labelled namespace, a port in 5000-5500"
    assert ("linkwarden/linkwarden", "dbaas/pg-cluster-1", 5432, "tcp") in blocked, "labelled, but not yes"
    undecidable = {flow: item["reasons"] for item in result["undecidable"] for flow in flows([item])}
    reasons = undecidable[("monitoring/grafana", "dbaas/pg-cluster-1", 5432, "tcp")]
    assert any("labels of namespace monitoring are not known" in reason for reason in reasons), "not in --namespaces: undecidable"
    assert ("dbaas/pg-cluster-1", "dbaas/pg-cluster-2", 5432, "tcp") not in blocked, "the namespace's own pods"
    evaluated = {(item["flow"]["source"], item["flow"]["destination"]) for item in result["blocked"]}
    assert result["evaluated"] > len(evaluated) + 100
    for item in result["blocked"]:
        assert item["isolated_by"] == ["ingress of namespace dbaas, isolated by dbaas/clients"]
        assert item["flow"]["destination"] in ("dbaas/pg-cluster-1", "dbaas/pg-cluster-2")
    # Without the namespace file no namespace label but the name is known: undecidable, never guessed.
    code, bare = check(samples, "--policies", policies, "--from", FROM, "--to", TO)
    assert code == 0 and bare["blocked"] == []
    assert ("gitea/gitea", "dbaas/pg-cluster-1", 5432, "tcp") in flows(bare["undecidable"]), "gitea does reach the database"
    # A port outside the range is not admitted even from a labelled namespace.
    narrow = write(tmp_path, "narrow.yaml", DBAAS_INGRESS.replace("port: 5000, endPort: 5500", "port: 5433, endPort: 5500"))
    code, result = check(samples, "--policies", narrow, "--namespaces", namespaces, "--from", FROM, "--to", TO)
    assert ("gitea/gitea", "dbaas/pg-cluster-1", 5432, "tcp") in flows(result["blocked"])


@pytest.mark.parametrize("text,line,message", [
    ("kind: NetworkPolicy\napiVersion: networking.k8s.io/v1\nmetadata: {name: x, namespace: y}\nspec:\n  podSelector: {matchExpressions: [{key: a, operator: Near}]}\n",
     5, "Near"),
    ("apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: x, namespace: y}\nspec: {podSelector: {}\n", 5, ""),
    ("apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: x, namespace: y}\nspec:\n  podSelector: {}\n  egress: [{to: [{ipBlock: {cidr: 10.0.0.0/33}}]}]\n",
     6, "10.0.0.0/33"),
])
def test_an_invalid_policy_is_65_naming_file_and_line(samples, tmp_path, text, line, message):
    good = write(tmp_path, "a-good.yaml", DENY_MONITORING)
    bad = write(tmp_path, "b-bad.yaml", text)
    result = samples.trail("policy-check", "--policies", good, bad, check=False)
    assert result.returncode == 65, result.stderr
    assert f"{bad}:{line}" in result.stderr and message in result.stderr
    assert result.stdout == ""


def test_a_missing_path_is_66(samples, tmp_path):
    result = samples.trail("policy-check", "--policies", str(tmp_path / "nothing-here"), check=False)
    assert result.returncode == 66 and "no such file or directory" in result.stderr


def test_replay_fills_the_policy_projection_as_etl_does(samples, database):
    database.trail("replay", "--archive", SAMPLES)
    replayed = database.dump()
    loaded = samples.dump()
    assert replayed["policy_flow"] == loaded["policy_flow"]
    with open(os.path.join(ROOT, "samples/golden-batch.jsonl")) as handle:
        header = json.loads(handle.readline())
    assert len(replayed["policy_flow"]) == header["policy_rows"] > 300
    # The staged changes that deny what is allowed today, each by an explicit Deny rule.
    denied = database.psql("SELECT DISTINCT pending_policy, pending_rule FROM policy_flow WHERE pending_kind = 'StagedNetworkPolicy' "
                           "AND pending_action = 'deny' ORDER BY 1")
    assert denied == [["crowdsec/deny-blocklist-mirrors", "0"], ["technitium/dns-over-https-only", "1"]]
