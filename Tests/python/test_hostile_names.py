"""Hostile names in the edge tables: every report shows them intact and inert, and the
database is untouched by commands that take them as arguments."""
import json
import os
import subprocess

from slack_standin import SlackStandIn

LONG = "n" * 299 + "x"
HOSTILE = ["<!channel>", "*bold*", "'; DROP TABLE edge;--", LONG, "名前空間-🚀", "a|b`c"]
AT = "2026-11-27T12:00:00Z"


def literal(text):
    return "'" + text.replace("'", "''") + "'"


def insert_hostile(database):
    statements = []
    for index, name in enumerate(HOSTILE):
        first = f"'2026-11-27T10:{index:02d}:00Z'"
        action = "deny" if index % 2 == 0 else "allow"
        statements.append(f"INSERT INTO edge VALUES ({literal(name)}, 'dbaas', '{action}', {first}, {first}::timestamptz + interval '15 seconds', 1, 1, 1, 1, 1, 1, 'lab')")
        statements.append(f"INSERT INTO edge VALUES ('dbaas', {literal(name)}, 'allow', {first}, {first}::timestamptz + interval '15 seconds', 3, 1, 1, 1, 1, 1, 'lab')")
        statements.append("INSERT INTO edge_wide VALUES ('workload', {n}, {n}, {n}, 'workload', 'dbaas', 'dbaas', 'pg', '-', 5432, 'tcp', '{a}', 'src', "
                          "{f}, {f}::timestamptz + interval '15 seconds', 1, 1, 1, 1, 1, 1, ARRAY['2026-11-27'::date], 'lab')".format(n=literal(name), a=action, f=first))
        statements.append("INSERT INTO edge_wide VALUES ('workload', 'dbaas', 'dbaas', 'pg', 'workload', {n}, {n}, {n}, '-', 8080, 'tcp', 'allow', 'src', "
                          "{f}, {f}::timestamptz + interval '15 seconds', 3, 1, 1, 1, 1, 1, ARRAY['2026-11-27'::date], 'lab')".format(n=literal(name), f=first))
    database.psql(";\n".join(statements) + ";")


def loaded(database):
    database.trail("migrate")
    insert_hostile(database)
    return database.dump()


def test_digest_escapes_mrkdwn_and_keeps_every_name_intact(database):
    before = loaded(database)
    with SlackStandIn() as slack:
        result = database.trail("digest", "--at", AT, SLACK_WEBHOOK_URL=slack.url)
    assert len(slack.requests) == 1
    payload = slack.payloads()[0]
    dry = json.loads(database.trail("digest", "--at", AT, SLACK_WEBHOOK_URL="").stdout)
    assert dry == payload
    texts = [payload["text"]] + [b["text"]["text"] for b in payload["blocks"] if b["type"] == "section"] + \
        [e["text"] for b in payload["blocks"] if b["type"] == "context" for e in b["elements"]]
    body = "\n".join(texts)
    # Only Slack's control characters are escaped: no raw <, > or & reaches Slack.
    assert "<" not in body and ">" not in body
    assert "`&lt;!channel&gt;`" in body
    assert "`*bold*`" in body and body.count("*bold*") == body.count("`*bold*`")
    assert "`'; DROP TABLE edge;--`" in body
    assert f"`{LONG}`" in body
    assert "`名前空間-🚀`" in body
    assert "`a|bˋc`" in body  # a backtick would close the code span
    assert payload["blocks"][0]["text"]["text"] == f"{2 * len(HOSTILE)} new edges in last 24h"
    assert all(len(t.encode("utf-16-le")) // 2 <= 3000 for t in texts)
    assert database.dump() == before
    assert result.returncode == 0


def test_egress_report_and_policies_keep_names_intact_and_yaml_valid(database, tmp_path):
    import kubernetes_validate
    import yaml

    loaded(database)
    report = json.loads(database.trail("egress-report", "--format", "json").stdout)
    names = {n["name"] for n in report["namespaces"]}
    assert set(HOSTILE) | {"dbaas"} == names
    dbaas = next(n for n in report["namespaces"] if n["name"] == "dbaas")
    assert {d["name"] for d in dbaas["in_cluster"]} == set(HOSTILE)
    assert all(d["seen_once"] is False for d in dbaas["in_cluster"])
    assert all(d["seen_once"] for n in report["namespaces"] if n["name"] != "dbaas" for d in n["in_cluster"] + n["denied"])

    markdown = database.trail("egress-report").stdout
    assert "## `<!channel>`" in markdown and "## `*bold*`" in markdown and f"## `{LONG}`" in markdown
    assert "## ``a\\|b`c``" in markdown  # a longer fence around a backtick, | escaped for tables

    result = database.trail("egress-report", "--policies", str(tmp_path), "-o", str(tmp_path / "report.md"))
    written = sorted(os.listdir(tmp_path))
    assert written == ["dbaas.default-deny-egress.yaml", "report.md"]
    assert result.stderr.count("not a Kubernetes namespace name") == len(HOSTILE)
    text = (tmp_path / "dbaas.default-deny-egress.yaml").read_text()
    policy = yaml.safe_load(text)
    kubernetes_validate.validate(policy, "1.32.0", strict=True)
    assert "a destination namespace whose name is not a Kubernetes name was left out" in text
    for name in HOSTILE:
        assert name not in text


def test_queries_bind_hostile_arguments_and_leave_the_database_alone(database):
    before = loaded(database)
    for name in HOSTILE:
        inbound = json.loads(database.trail("query", "inbound", name, "--json").stdout)
        assert inbound == [{"src_ns": "dbaas", "action": "allow", "flow_count": 3,
                            "first_seen": inbound[0]["first_seen"], "last_seen": inbound[0]["last_seen"]}]
        outbound = json.loads(database.trail("query", "outbound", name, "--json").stdout)
        assert [(r["dst_ns"], r["flow_count"]) for r in outbound] == [("dbaas", 1)]
    table = database.trail("query", "adjacency").stdout
    for name in HOSTILE:
        assert name in table
    denied = json.loads(database.trail("query", "denied", "--json").stdout)
    assert {d["src_ns"] for d in denied} == set(HOSTILE[0::2])
    assert database.dump() == before
    assert database.psql("SELECT count(*) FROM edge")[0][0] == str(2 * len(HOSTILE))


def test_graph_and_diff_with_hostile_names(database, tmp_path):
    loaded(database)
    dot = database.trail("graph").stdout
    # Graphviz parses it, and finds one node per namespace and one arrow per edge.
    plain = subprocess.run(["dot", "-Tplain"], input=dot, capture_output=True, text=True, check=True).stdout
    nodes = [line for line in plain.splitlines() if line.startswith("node ")]
    edges = [line for line in plain.splitlines() if line.startswith("edge ")]
    assert len(nodes) == len(HOSTILE) + 1 and len(edges) == 2 * len(HOSTILE)
    svg = database.trail("graph", "--format", "svg").stdout
    assert "&lt;!channel&gt;" in svg and "<!channel>" not in svg
    diff = json.loads(database.trail("diff", "--from", "2026-11-26", "--to", "2026-11-27", "--json").stdout)
    assert {p["source"] for p in diff["new"]} == set(HOSTILE) | {"dbaas"}
