"""`policy-check` with Calico's kinds against a real PostgreSQL loaded with the samples: a
Calico tier's Deny blocks what it should (exit 3), each line showing the hit that would
decide beside today's; `--reproduce` agrees where the files say what the samples recorded and
names every disagreement (both hits) when a file is edited; the typed list form the API server
prints is read, not skipped; unknown kinds are named; `--fail-on-undecidable` fails a gate that
cannot see."""
import json
import os
import shutil
import subprocess
import uuid

import pytest

from conftest import SAMPLES, Database

WINDOW = ["--from", "2026-11-27T00:00:00Z", "--to", "2026-11-28T00:00:00Z"]


@pytest.fixture(scope="module")
def samples():
    if "PGHOST" not in os.environ:
        pytest.fail("no PostgreSQL: run the tests through `make test`")
    name = "c_" + uuid.uuid4().hex[:12]
    subprocess.run(["createdb", name], check=True)
    database = Database(name)
    database.trail("etl", "--archive", SAMPLES)
    yield database
    subprocess.run(["dropdb", "--force", name], check=False)


def write(directory, name, text):
    path = directory / name
    path.write_text(text)
    return str(path)


def run(database, *arguments):
    result = database.trail("policy-check", *arguments, *WINDOW, "--format", "json", check=False)
    assert result.returncode in (0, 3), result.stderr
    return result.returncode, json.loads(result.stdout), result.stderr


SECURITY_TIER = """
apiVersion: projectcalico.org/v3
kind: Tier
metadata: {name: security}
spec: {order: 100}
---
apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: {name: security.no-redis-from-immich}
spec:
  tier: security
  selector: projectcalico.org/namespace == 'redis'
  types: [Ingress]
  ingress:
    - action: Deny
      source: {namespaceSelector: projectcalico.org/name == 'immich'}
    - action: Pass
"""


def test_a_calico_tier_deny_blocks_and_shows_both_hits(samples, tmp_path):
    code, result, _ = run(samples, "--policies", write(tmp_path, "security.yaml", SECURITY_TIER))
    assert code == 3
    assert result["calico_order"] is True and result["policies"] == 1
    [line] = result["blocked"]
    assert (line["flow"]["source"], line["flow"]["destination"], line["flow"]["port"]) == ("immich/immich-server", "redis/redis-master-0", 6379)
    assert line["isolated_by"] == ["ingress: GlobalNetworkPolicy security.no-redis-from-immich rule 0 (tier security): deny"]
    assert "ingress: CalicoNetworkPolicy redis/allow-redis-clients rule 0 (tier default): allow" in line["decided_today"]
    # Every other client of redis passes the security tier and stays allowed.
    assert result["allowed"] == result["evaluated"] - 1


REDIS = """
apiVersion: projectcalico.org/v3
kind: NetworkPolicyList
items:
  - metadata: {name: allow-redis-clients, namespace: redis}
    spec:
      selector: app.kubernetes.io/name == 'redis'
      types: [Ingress]
      ingress:
        - action: Allow
          protocol: TCP
          source:
            namespaceSelector: projectcalico.org/name in {'authentik', 'frigate', 'immich', 'nextcloud', 'paperless'}
          destination: {ports: [6379]}
"""


def reproduce(samples, path):
    result = samples.trail("policy-check", "--reproduce", "--policies", path, *WINDOW, "--format", "json", check=False)
    assert result.returncode in (0, 3), result.stderr
    return result.returncode, json.loads(result.stdout)


def redis_ingress(items):
    return {item["flow"]["source"] for item in items if item["flow"]["destination"].startswith("redis/") and item["direction"] == "ingress"}


def test_reproduce_agrees_where_the_files_say_what_was_recorded_and_names_each_disagreement(samples, tmp_path):
    code, result = reproduce(samples, write(tmp_path, "redis.yaml", REDIS))
    # The other namespaces' policies are not in the file: those hits disagree, so exit 3.
    assert code == 3 and result["compared"] > 300
    assert redis_ingress(result["disagreements"]) == set()
    assert result["agreed"] >= 5
    # The file edited: immich is no longer a client. Its redis hits now disagree, with both hits.
    code, edited = reproduce(samples, write(tmp_path, "redis-edited.yaml", REDIS.replace("'immich', ", "")))
    assert code == 3
    assert redis_ingress(edited["disagreements"]) == {"immich/immich-server"}
    [line] = [d for d in edited["disagreements"] if d["flow"]["destination"].startswith("redis/") and d["direction"] == "ingress"]
    assert line["recorded"] == "CalicoNetworkPolicy redis/allow-redis-clients rule 0 (tier default): allow"
    assert line["model"] == "end of tier default: deny (CalicoNetworkPolicy redis/allow-redis-clients selects the endpoint, no rule matched)"
    assert edited["agreed"] == result["agreed"] - 1
    markdown = samples.trail("policy-check", "--reproduce", "--policies", str(tmp_path / "redis-edited.yaml"), *WINDOW, check=False)
    assert markdown.returncode == 3 and "## Disagreements" in markdown.stdout and "immich/immich-server" in markdown.stdout


SAMPLE_POLICIES = os.path.join(os.path.dirname(SAMPLES), "policies")
GOLDEN_BATCH = os.path.join(os.path.dirname(SAMPLES), "golden-batch.jsonl")


def pod_reported_policy_rows():
    """The policy rows of the samples' batch whose reporting end is a pod: read from the
    golden batch, not from the program under test."""
    rows = []
    with open(GOLDEN_BATCH) as handle:
        for line in handle:
            row = json.loads(line)
            if row.get("kind") != "policy":
                continue
            end = "src_type" if row["reporter"] == "src" else "dst_type"
            if row[end] == "workload":
                rows.append(row)
    return rows


def test_reproduce_on_the_samples_with_their_committed_policies_agrees_on_every_flow(samples):
    code, result = reproduce(samples, SAMPLE_POLICIES)
    rows = pod_reported_policy_rows()
    assert code == 0, result["disagreements"][:3] or result["undecidable"][:3]
    # Every pod-reported row is compared twice: against the enforced trace and, with the
    # staged policies in place, against the pending one.
    assert result["compared"] == 2 * len(rows) and len(rows) > 300
    assert result["agreed"] == result["compared"] and result["disagreements"] == [] and result["undecidable"] == []
    assert result["agreed_flows"] == result["compared_flows"] == 2 * sum(row["flow_count"] for row in rows)
    # The samples exercise what the files hold: a security-tier deny, a platform-tier allow,
    # a Kubernetes NetworkPolicy's end of tier, the namespace profile, staged changes.
    kinds = {(row["enforced_kind"], row["enforced_tier"], row["enforced_action"]) for row in rows}
    assert {("GlobalNetworkPolicy", "security", "deny"), ("GlobalNetworkPolicy", "platform", "allow"), ("EndOfTier", "default", "deny"),
            ("Profile", "", "allow"), ("NetworkPolicy", "default", "allow"), ("CalicoNetworkPolicy", "default", "allow")} <= kinds
    assert {row["pending_kind"] for row in rows} >= {"StagedNetworkPolicy", "EndOfTier"}


def edited_policies(tmp_path, name, old, new):
    directory = tmp_path / "policies"
    shutil.copytree(SAMPLE_POLICIES, directory)
    path = directory / name
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))
    return str(directory)


def test_an_edited_sample_policy_gives_exactly_the_disagreements_it_should(samples, tmp_path):
    rows = pod_reported_policy_rows()
    # immich is no longer a redis client: its redis ingress disagrees in both traces.
    code, result = reproduce(samples, edited_policies(tmp_path / "a", "namespaces/redis.yaml", "'immich-server', ", ""))
    assert code == 3
    expected = [row for row in rows if row["src_workload"] == "immich-server" and row["dst_ns"] == "redis" and row["reporter"] == "dst"]
    assert len(expected) == 1
    assert sorted((d["flow"]["source"], d["direction"], d["trace"]) for d in result["disagreements"]) == [
        ("immich/immich-server", "ingress", "enforced"), ("immich/immich-server", "ingress", "pending")]
    assert {d["model"] for d in result["disagreements"]} == {
        "end of tier default: deny (CalicoNetworkPolicy redis/allow-redis-clients selects the endpoint, no rule matched)"}
    assert result["agreed"] == result["compared"] - 2
    # The staged change to technitium dropped: exactly the pending hits it decided disagree (the
    # cluster recorded the staged policy; the files now give the enforced one), nothing else.
    code, result = reproduce(samples, edited_policies(tmp_path / "b", "namespaces/technitium.yaml", "kind: StagedNetworkPolicy", "kind: ConfigMap"))
    assert code == 3
    decided = [row for row in rows if row["pending_policy"] == "technitium/dns-over-https-only"]
    assert {(row["dst_workload"], row["dst_port"], row["proto"], row["pending_action"]) for row in decided} >= {("pub", 53, "udp", "deny")}
    assert sorted((d["flow"]["destination"], d["flow"]["port"], d["trace"]) for d in result["disagreements"]) == sorted(
        ("network pub" if row["dst_type"] == "network" else f"{row['dst_ns']}/{row['dst_workload']}", row["dst_port"], "pending") for row in decided)
    [upstream] = [d for d in result["disagreements"] if d["flow"]["destination"] == "network pub"]
    assert upstream["recorded"] == "StagedNetworkPolicy technitium/dns-over-https-only rule 1 (tier default): deny"
    assert upstream["model"] == "CalicoNetworkPolicy technitium/default-deny-egress rule 2 (tier default): allow"


def test_typed_lists_are_read_unknown_kinds_named_and_the_gate_can_refuse_the_undecidable(samples, tmp_path):
    # kubectl get netpol -A -o yaml: items without kind or apiVersion. A default deny of redis
    # ingress, read (it used to be skipped silently, passing the gate).
    deny = write(tmp_path, "netpol.yaml", """
apiVersion: networking.k8s.io/v1
kind: NetworkPolicyList
items:
  - metadata: {name: default-deny, namespace: redis}
    spec: {podSelector: {}, policyTypes: [Ingress]}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: settings, namespace: redis}
""")
    code, result, stderr = run(samples, "--policies", deny)
    assert code == 3 and result["policies"] == 1 and len(result["blocked"]) >= 5
    assert "skipped" in stderr and "ConfigMap settings" in stderr
    # A named port flow data cannot resolve: undecidable; the gate passes it unless asked not to.
    named = write(tmp_path, "named.yaml", """
apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata: {name: named, namespace: redis}
spec:
  selector: all()
  ingress: [{action: Allow, protocol: TCP, destination: {ports: [redis]}}]
""")
    code, result, _ = run(samples, "--policies", named)
    assert code == 0 and result["undecidable"], result
    gate = samples.trail("policy-check", "--policies", named, *WINDOW, "--fail-on-undecidable", check=False)
    assert gate.returncode == 3 and "cannot be decided" in gate.stderr
    # With the pods' container ports, the named port decides: allowed.
    pods = write(tmp_path, "pods.yaml", """
apiVersion: v1
kind: PodList
items:
  - metadata: {name: redis-master-0, namespace: redis, labels: {app.kubernetes.io/name: redis}}
    spec: {containers: [{name: redis, ports: [{name: redis, containerPort: 6379}]}]}
""")
    code, result, _ = run(samples, "--policies", named, "--pods", pods)
    assert code == 0 and result["undecidable"] == [], result["undecidable"]
