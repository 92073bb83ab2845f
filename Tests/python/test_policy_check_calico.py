"""`policy-check` with Calico's kinds against a real PostgreSQL loaded with the samples: a
Calico tier's Deny blocks what it should (exit 3), each line showing the hit that would
decide beside today's; `--reproduce` agrees where the files say what the samples recorded and
names every disagreement (both hits) when a file is edited; the typed list form the API server
prints is read, not skipped; unknown kinds are named; `--fail-on-undecidable` fails a gate that
cannot see."""
import json
import os
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
