"""Reports against a real PostgreSQL loaded with the samples: the Slack digest (to a loopback
stand-in), the egress report and its NetworkPolicies, the queries, the map and the diff;
golden outputs; and hostile names."""
import json
import os
import subprocess
import uuid

import pytest

from conftest import BIN, ROOT, SAMPLES, Database
from slack_standin import SlackStandIn

GOLDEN = os.path.join(ROOT, "Tests/Fixtures/golden")
RECORD = os.environ.get("GOLDMANE_TRAIL_RECORD_GOLDEN") == "1"
# The samples cover 2026-11-27 01:30 to 04:30 UTC; the digest runs at the end of them.
AT = "2026-11-27T04:30:00Z"


@pytest.fixture(scope="module")
def samples():
    """One database loaded with the sample archive, shared by the read-only tests."""
    if "PGHOST" not in os.environ:
        pytest.fail("no PostgreSQL: run the tests through `make test`")
    name = "r_" + uuid.uuid4().hex[:12]
    subprocess.run(["createdb", name], check=True)
    database = Database(name)
    database.trail("etl", "--archive", SAMPLES)
    yield database
    subprocess.run(["dropdb", "--force", name], check=False)


RECORDED = []


@pytest.fixture(autouse=True)
def recording_fails_the_run():
    yield
    if RECORDED:
        paths = ", ".join(RECORDED)
        RECORDED.clear()
        pytest.fail(f"recorded {paths}: check the diff, then run without GOLDMANE_TRAIL_RECORD_GOLDEN")


def golden(name, actual):
    """Compares with Tests/Fixtures/golden/<name>; GOLDMANE_TRAIL_RECORD_GOLDEN=1 re-records it
    (and fails the test, so a recording never passes unnoticed)."""
    path = os.path.join(GOLDEN, name)
    if RECORD:
        with open(path, "w") as handle:
            handle.write(actual)
        RECORDED.append(path)
        return
    with open(path) as handle:
        assert actual == handle.read(), f"{name} differs from the golden file (re-record on purpose with GOLDMANE_TRAIL_RECORD_GOLDEN=1)"


def digest(database, *arguments, **env):
    env.setdefault("SLACK_WEBHOOK_URL", "")
    return database.trail("digest", "--at", AT, *arguments, check=False, **env)


def mrkdwn_texts(payload):
    texts = [payload["text"]]
    for block in payload["blocks"]:
        if block["type"] == "section":
            texts.append(block["text"]["text"])
        elif block["type"] == "context":
            texts.extend(element["text"] for element in block["elements"])
    return texts


# --- digest -------------------------------------------------------------------------------

def test_digest_dry_run_matches_the_golden_message_and_is_the_same_every_run(samples):
    first = digest(samples)
    assert first.returncode == 0, first.stderr
    assert "printing the message instead of posting it" in first.stderr
    second = digest(samples, DRY_RUN="1", SLACK_WEBHOOK_URL="http://127.0.0.1:9/never")
    assert second.returncode == 0 and second.stdout == first.stdout
    golden("digest.json", first.stdout)

    payload = json.loads(first.stdout)
    edges = samples.psql("SELECT action, count(*) FROM edge GROUP BY action ORDER BY action")
    total = sum(int(count) for _, count in edges)
    assert payload["blocks"][0] == {"type": "header", "text": {"type": "plain_text", "text": f"{total} new edges in last 24h"}}
    sections = [block["text"]["text"] for block in payload["blocks"] if block["type"] == "section"]
    assert sections[0].startswith(":warning: Coverage: captured 3h of 24h; missing 2026-11-26T04:30Z to 2026-11-27T01:30Z")
    assert sections[1].startswith("*Denied* (2)")
    assert sections[2].startswith(f"*Allowed* ({total - 2})")
    listed = sum(line.startswith("• ") for text in sections if not text.startswith("*Staged") for line in text.split("\n"))
    assert listed == 50
    # The staged policies of the samples: what enforcing each would change, from the pending traces.
    staged = [text for text in sections if text.startswith("*Staged policies* (3, flows of UTC days 2026-11-26 to 2026-11-27)")]
    assert len(staged) == 1
    assert staged[0].split("\n")[1:] == [
        "• staged policy crowdsec/deny-blocklist-mirrors would deny 23 flows now allowed (1 distinct)",
        "• staged policy technitium/dns-over-https-only would deny 298 flows now allowed (1 distinct)",
        "• staged policy uptime-kuma/allow-status-probes would allow 16 flows now denied (1 distinct)",
    ]
    assert payload["blocks"][-1]["elements"][0]["text"].startswith(f"…and {total - 50} more.")


def test_digest_posts_channel_text_and_blocks_to_the_webhook(samples):
    with SlackStandIn() as slack:
        result = digest(samples, "--max-edges", "5", SLACK_WEBHOOK_URL=slack.url, SLACK_CHANNEL="#alerts")
    assert result.returncode == 0, result.stderr
    assert len(slack.requests) == 1
    request = slack.requests[0]
    assert request["path"] == "/services/" + SlackStandIn.TOKEN
    assert request["content_type"].startswith("application/json")
    payload = json.loads(request["body"])
    assert set(payload) == {"channel", "text", "blocks"}
    assert payload["channel"] == "#alerts"
    assert payload["text"].startswith("129 new edges in last 24h: 2 denied, 127 allowed")
    assert [block["type"] for block in payload["blocks"]] == ["header", "context", "section", "section", "section", "section", "context"]
    assert "…and 124 more" in payload["blocks"][-1]["elements"][0]["text"]
    assert slack.TOKEN not in result.stderr + result.stdout


def test_digest_channel_not_found_fails_with_slacks_text_and_never_the_url(samples):
    with SlackStandIn([(404, {}, "channel_not_found")]) as slack:
        result = digest(samples, SLACK_WEBHOOK_URL=slack.url, SLACK_CHANNEL="#security")
    assert result.returncode == 78
    assert "HTTP 404 channel_not_found" in result.stderr
    assert len(slack.requests) == 1  # a 4xx is not retried
    for secret in (slack.url, SlackStandIn.TOKEN, "s3cr3t"):
        assert secret not in result.stderr and secret not in result.stdout


def test_digest_honours_retry_after_on_429(samples):
    with SlackStandIn([(429, {"Retry-After": "2"}, "rate_limited")]) as slack:
        result = digest(samples, SLACK_WEBHOOK_URL=slack.url)
    assert result.returncode == 0, result.stderr
    assert len(slack.requests) == 2
    assert slack.requests[1]["time"] - slack.requests[0]["time"] >= 1.9
    assert slack.requests[0]["body"] == slack.requests[1]["body"]
    assert "HTTP 429 rate_limited" in result.stderr and "retrying in 2 s" in result.stderr


def test_digest_retries_5xx_then_fails_with_the_status(samples):
    with SlackStandIn([(503, {}, "service_unavailable"), (500, {}, "internal_error")]) as slack:
        result = digest(samples, "--attempts", "2", SLACK_WEBHOOK_URL=slack.url)
    assert result.returncode == 69
    assert len(slack.requests) == 2
    assert "failed after 2 attempts: HTTP 500 internal_error" in result.stderr
    assert SlackStandIn.TOKEN not in result.stderr


def test_digest_unreachable_webhook_is_named_without_the_url(samples):
    with SlackStandIn() as slack:
        url = slack.url
    result = digest(samples, "--attempts", "1", SLACK_WEBHOOK_URL=url)
    assert result.returncode == 69
    assert "connection refused" in result.stderr
    assert SlackStandIn.TOKEN not in result.stderr and "127.0.0.1" not in result.stderr


def test_digest_with_nothing_new_sends_no_request(samples):
    with SlackStandIn() as slack:
        result = samples.trail("digest", "--at", "2026-11-29T08:00:00Z", SLACK_WEBHOOK_URL=slack.url)
    assert result.returncode == 0
    assert slack.requests == []
    assert "no new edges in last 24h" in result.stderr and result.stdout == ""


def test_digest_window_is_half_open_at_the_start(samples):
    first = int(samples.psql("SELECT extract(epoch FROM min(first_seen))::bigint FROM edge")[0][0])
    # (at - window, at]: an edge first seen exactly at the window's start belongs to the day before.
    result = samples.trail("digest", "--at", str(first + 60), "--window", "60s", SLACK_WEBHOOK_URL="")
    before = samples.trail("digest", "--at", str(first), "--window", "60s", SLACK_WEBHOOK_URL="")
    count = int(samples.psql(f"SELECT count(*) FROM edge WHERE first_seen > to_timestamp({first}) AND first_seen <= to_timestamp({first + 60})")[0][0])
    at_first = int(samples.psql(f"SELECT count(*) FROM edge WHERE first_seen = to_timestamp({first})")[0][0])
    assert json.loads(before.stdout)["blocks"][0]["text"]["text"].startswith(f"{at_first} new edge")
    if count:
        assert json.loads(result.stdout)["blocks"][0]["text"]["text"].startswith(f"{count} new edge")
    else:
        assert result.stdout == ""


# --- egress report and policies -----------------------------------------------------------

def test_egress_report_golden_markdown_and_json(samples, tmp_path):
    markdown = samples.trail("egress-report").stdout
    golden("egress-report.md", markdown)
    report = samples.trail("egress-report", "--format", "json").stdout
    golden("egress-report.json", report)
    parsed = json.loads(report)
    names = [namespace["name"] for namespace in parsed["namespaces"]]
    assert names == sorted(names) and len(names) == len(set(names))
    crowdsec = next(n for n in parsed["namespaces"] if n["name"] == "crowdsec")
    assert [(d["name"], d["port"], d["protocol"]) for d in crowdsec["denied"]] == [("dbaas", 5432, "tcp")]
    assert crowdsec["dns_observed"] == ["TCP", "UDP"]
    # Agrees with the database: every allowed in-cluster destination is an allow row in edge_wide.
    rows = samples.psql("SELECT DISTINCT dst_ns, dst_port FROM edge_wide WHERE src_ns = 'crowdsec' AND action = 'allow' "
                        "AND dst_type = 'workload' AND NOT (dst_ns = 'kube-system' AND dst_port = 53)")
    assert sorted((d["name"], str(d["port"])) for d in crowdsec["in_cluster"]) == sorted(tuple(r) for r in rows)
    one = samples.trail("egress-report", "--namespace", "crowdsec", "--format", "json").stdout
    assert [n["name"] for n in json.loads(one)["namespaces"]] == ["crowdsec"]


def test_candidate_network_policies_validate_against_the_kubernetes_schema(samples, tmp_path):
    import kubernetes_validate
    import yaml

    directory = tmp_path / "policies"
    result = samples.trail("egress-report", "--policies", str(directory), "-o", str(tmp_path / "report.md"))
    assert "nothing was applied" in result.stderr
    files = sorted(os.listdir(directory))
    namespaces = json.loads(samples.trail("egress-report", "--format", "json").stdout)["namespaces"]
    assert files == sorted(f"{n['name']}.default-deny-egress.yaml" for n in namespaces)
    for name in files:
        with open(directory / name) as handle:
            policy = yaml.safe_load(handle)
        kubernetes_validate.validate(policy, "1.32.0", strict=True)
        assert policy["kind"] == "NetworkPolicy" and policy["spec"]["policyTypes"] == ["Egress"]
    with open(directory / "crowdsec.default-deny-egress.yaml") as handle:
        text = handle.read()
    policy = yaml.safe_load(text)
    rules = policy["spec"]["egress"]
    dns = rules[0]
    assert dns["ports"] == [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}]
    selectors = {tuple(sorted(peer.get("namespaceSelector", {}).get("matchLabels", {}).values())): rule["ports"]
                 for rule in rules for peer in rule["to"]}
    assert selectors[("dbaas",)] == [{"protocol": "TCP", "port": 5432}]
    assert "1 denied destination(s) are not allowed here" in text


# --- queries, graph, diff -----------------------------------------------------------------

def test_queries_agree_with_the_runbook_sql(samples):
    inbound = json.loads(samples.trail("query", "inbound", "dbaas", "--json").stdout)
    rows = samples.psql("SELECT src_ns, action, flow_count FROM edge WHERE dst_ns = 'dbaas' ORDER BY flow_count DESC, src_ns COLLATE \"C\", action")
    assert [[r["src_ns"], r["action"], str(r["flow_count"])] for r in inbound] == rows
    assert set(inbound[0]) == {"src_ns", "action", "flow_count", "first_seen", "last_seen"}
    denied = json.loads(samples.trail("query", "denied", "--json").stdout)
    assert sorted((d["src_ns"], d["dst_ns"]) for d in denied) == [("crowdsec", "dbaas"), ("uptime-kuma", "vault")]
    adjacency = samples.trail("query", "adjacency").stdout
    assert adjacency.splitlines()[0].split() == ["SRC_NS", "DST_NS", "ACTION", "FLOW_COUNT"]
    assert adjacency.rstrip().endswith("(129 rows)")
    new = json.loads(samples.trail("query", "new", "--since", "2026-11-27T01:31:00Z", "--json").stdout)
    expected = samples.psql("SELECT count(*) FROM edge WHERE first_seen > '2026-11-27T01:31:00Z'")[0][0]
    assert len(new) == int(expected) and all(r["first_seen"] > "2026-11-27T01:31:00Z" for r in new)
    assert json.loads(samples.trail("query", "outbound", "no-such-namespace", "--json").stdout) == []


def test_query_arguments_are_validated(samples):
    assert samples.trail("query", "inbound", "", check=False).returncode == 64
    control = samples.trail("query", "outbound", "evil\x1b[2J", check=False)
    assert control.returncode == 64 and "control characters" in control.stderr and "\x1b" not in control.stderr
    assert samples.trail("egress-report", "--namespace", "x" * 1025, check=False).returncode == 64
    bad = samples.trail("query", "new", "--since", "yesterday", check=False)
    assert bad.returncode == 64 and "--since" in bad.stderr
    assert samples.trail("diff", "--from", "2026-13-01", "--to", "2026-11-27", check=False).returncode == 64
    assert samples.trail("digest", "--window", "0h", check=False).returncode == 64


def test_graph_golden_dot_and_svg(samples, tmp_path):
    dot = samples.trail("graph").stdout
    golden("map.dot", dot)
    assert dot.count("penwidth=") == 129
    denies = [line for line in dot.splitlines() if "#d62728" in line]
    assert len(denies) == 2 and all("style=dashed" in line for line in denies)
    svg = samples.trail("graph", "--format", "svg", "-o", str(tmp_path / "map.svg"))
    assert svg.stdout == ""
    text = (tmp_path / "map.svg").read_text()
    assert text.lstrip().startswith("<?xml") and text.count('class="edge"') == 129


def test_graph_svg_without_graphviz_says_what_to_install(samples, tmp_path):
    result = samples.trail("graph", "--format", "svg", check=False, PATH=str(tmp_path))
    assert result.returncode == 69
    assert "apt-get install graphviz" in result.stderr and "--format dot" in result.stderr


def test_diff_of_two_windows(database):
    database.trail("etl", "--archive", SAMPLES)
    # Make a second day: one pair moves to 2026-11-28, one changes verdict there, one is new.
    database.psql("""
        UPDATE edge_wide SET days = ARRAY['2026-11-27'::date, '2026-11-28'::date] WHERE src_ns <> 'authentik';
        INSERT INTO edge_wide SELECT src_type, src_ns, src_identity, src_workload, dst_type, dst_ns, dst_identity, dst_workload,
            dst_service, dst_port, proto, 'deny', reporter, first_seen, last_seen, flow_count, connections, packets_in, packets_out,
            bytes_in, bytes_out, ARRAY['2026-11-28'::date], cluster
          FROM edge_wide WHERE src_ns = 'mealie' AND dst_ns = 'dbaas' AND reporter = 'dst';
        INSERT INTO edge_wide VALUES ('workload', 'newcomer', 'newcomer', 'newcomer', 'workload', 'dbaas', 'dbaas', 'pg', '-', 5432,
            'tcp', 'allow', 'src', now(), now(), 1, 1, 1, 1, 1, 1, ARRAY['2026-11-28'::date], 'homelab');
        DELETE FROM edge_wide WHERE src_ns = 'mealie' AND dst_ns = 'dbaas' AND action = 'allow';
        INSERT INTO edge_wide VALUES ('workload', 'mealie', 'mealie', 'mealie', 'workload', 'dbaas', 'dbaas', 'pg', '-', 5432,
            'tcp', 'allow', 'src', now(), now(), 1, 1, 1, 1, 1, 1, ARRAY['2026-11-27'::date], 'homelab');
    """)
    diff = json.loads(database.trail("diff", "--from", "2026-11-27", "--to", "2026-11-28", "--json").stdout)
    authentik = {(p["source"], p["destination"]) for p in diff["gone"]}
    expected = {tuple(r) for r in database.psql("SELECT DISTINCT src_ns, dst_ns FROM edge WHERE src_ns = 'authentik'")}
    assert authentik == expected
    assert diff["new"] == [{"source": "newcomer", "destination": "dbaas", "action": "allow"}]
    assert diff["changed"] == [{"source": "mealie", "destination": "dbaas", "before": ["allow"], "after": ["deny"]}]
    text = database.trail("diff", "--from", "2026-11-27", "--to", "2026-11-28").stdout
    assert text.startswith(f"Namespace edges seen 2026-11-27 against 2026-11-28: 1 new, {len(expected)} gone, 1 changed verdicts")
    same = json.loads(database.trail("diff", "--from", "2026-11-27/2026-11-28", "--to", "2026-11-27/2026-11-28", "--json").stdout)
    assert same["new"] == same["gone"] == same["changed"] == []


def test_reports_on_a_database_never_loaded_say_what_to_do(database):
    result = database.trail("query", "denied", check=False)
    assert result.returncode == 78
    assert "no goldmane-trail tables" in result.stderr and "etl" in result.stderr


def test_outputs_to_a_pipe_or_device_are_written_not_replaced(samples, tmp_path):
    """`-o /dev/stdout` or `-o /dev/null` must not swap the device for a file (as root, an
    atomic rename over /dev/null would replace it for the whole machine): a FIFO stands in."""
    import stat
    import threading
    for arguments in (["egress-report", "--format", "json"], ["policy-check", "--policies", os.path.join(ROOT, "Tests/Fixtures/policies"),
                                                              "--from", "2026-11-27T00:00:00Z", "--to", "2026-11-28T00:00:00Z"],
                      ["transform", SAMPLES]):
        fifo = str(tmp_path / f"out-{arguments[0]}")
        os.mkfifo(fifo)
        # /dev/stdout is a link to the descriptor: a link to the FIFO stands in for it too.
        link = str(tmp_path / f"link-{arguments[0]}")
        os.symlink(fifo, link)
        for target in (fifo, link):
            received = []
            reader = threading.Thread(target=lambda: received.append(open(fifo, "rb").read()))
            reader.start()
            result = samples.trail(*arguments, "-o", target, check=False)
            reader.join(timeout=60)
            assert result.returncode in (0, 3), result.stderr
            assert stat.S_ISFIFO(os.stat(fifo).st_mode), f"{arguments[0]} replaced the FIFO with a file"
            assert os.path.islink(link), f"{arguments[0]} replaced the link with a file"
            assert received and len(received[0]) > 100, f"{arguments[0]} wrote nothing to the FIFO through {target}"
