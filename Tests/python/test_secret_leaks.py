"""No secret reaches any output, whatever text from outside carries it: every database
command, failing against each form a DATABASE_URL password can take (percent-encoded, raw
inside a URI libpq cannot parse, quoted in a keyword string, refused by a real server), and
the digest against a Slack stand-in whose error bodies echo the webhook's path, token and
query (raw, percent-encoded, JSON-escaped, cut by the length limit). All of standard output
and standard error is searched for every form of every secret."""
import os
import socket
import subprocess
import urllib.parse
import uuid

import pytest

from conftest import BIN, ROOT, SAMPLES
from slack_standin import SlackStandIn

PASSWORD = "Tr4il-S3cret/x@y" + uuid.uuid4().hex[:6]
ENCODED = urllib.parse.quote(PASSWORD, safe="")


def forms(secret):
    """A secret as it may appear in text: raw, percent-encoded (both cases), URI-encoded."""
    encoded = urllib.parse.quote(secret, safe="")
    return {secret, encoded, encoded.lower(), urllib.parse.quote(secret), secret.replace("/", "\\/")}


def closed_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def database_urls():
    port = closed_port()
    return {
        "encoded, unreachable": f"postgresql://trail:{ENCODED}@127.0.0.1:{port}/trail?connect_timeout=3",
        "unclosed IPv6 bracket": f"postgresql://trail:{ENCODED}@[::1/db",
        "empty IPv6 host": f"postgresql://trail:{ENCODED}@[]/db",
        "junk after IPv6 host": f"postgresql://trail:{ENCODED}@[::1]x/db",
        "raw in a URI": f"postgresql://trail:{PASSWORD}@127.0.0.1:{port}/trail",
        "bad port": f"postgres://trail:{ENCODED}@127.0.0.1:port/trail",
        "keyword": f"host=127.0.0.1 port={port} user=trail password={PASSWORD} connect_timeout=3",
        "unterminated keyword quote": f"host=127.0.0.1 port={port} password='{PASSWORD} dbname=trail",
    }


COMMANDS = [
    ["migrate"], ["etl", "--archive", SAMPLES], ["replay", "--archive", SAMPLES],
    ["load", os.path.join(ROOT, "samples", "golden-batch.jsonl")], ["health", "--archive", SAMPLES],
    ["digest", "--dry-run"], ["egress-report"], ["query", "denied"], ["graph"],
    ["diff", "--from", "2026-11-26", "--to", "2026-11-27"],
]


def run(arguments, **environment):
    env = {key: value for key, value in os.environ.items() if not key.startswith("PG") and key != "DATABASE_URL"}
    env.update(environment)
    return subprocess.run([BIN, *arguments], env=env, capture_output=True, text=True, timeout=60)


def assert_no_secret(result, secrets, where):
    output = result.stdout + result.stderr
    for secret in secrets:
        for form in forms(secret):
            assert form not in output, f"{where}: {form!r} shown:\n{output}"


@pytest.mark.parametrize("command", COMMANDS, ids=lambda command: command[0])
def test_no_database_password_in_any_failure(command):
    for name, url in database_urls().items():
        result = run(command, DATABASE_URL=url)
        assert result.returncode in (69, 77, 78), f"{command[0]} with {name}: exit {result.returncode}\n{result.stderr}"
        assert_no_secret(result, [PASSWORD], f"{command[0]} with {name}")


def test_no_password_when_a_real_server_refuses_it():
    role = "leak_" + uuid.uuid4().hex[:8]
    subprocess.run(["psql", "-X", "-q", "-c", f"CREATE ROLE {role} LOGIN PASSWORD 'the-right-one'"], check=True)
    url = f"postgresql://{role}:{ENCODED}@127.0.0.1:{os.environ['PGPORT']}/trail"
    for command in COMMANDS:
        result = run(command, DATABASE_URL=url)
        assert result.returncode == 77, f"{command[0]}: exit {result.returncode}\n{result.stderr}"
        assert_no_secret(result, [PASSWORD], command[0])
    result = run(["etl", "--archive", SAMPLES], DATABASE_URL=f"postgresql://{role}@127.0.0.1:{os.environ['PGPORT']}/trail",
                 PGPASSWORD=PASSWORD)
    assert result.returncode == 77
    assert_no_secret(result, [PASSWORD], "PGPASSWORD")


@pytest.fixture(scope="module")
def loaded():
    name = "leak_" + uuid.uuid4().hex[:10]
    subprocess.run(["createdb", name], check=True)
    url = f"postgresql:///{name}?host={os.environ['PGHOST']}&port={os.environ['PGPORT']}&user={os.environ['PGUSER']}"
    assert run(["etl", "--archive", SAMPLES], DATABASE_URL=url).returncode == 0
    yield url
    subprocess.run(["dropdb", "--force", name], check=False)


def test_no_webhook_secret_in_slacks_answers(loaded):
    query = "key=q5ecretQueryValue"
    token_parts = SlackStandIn.TOKEN.split("/")
    with SlackStandIn() as slack:
        webhook = slack.url + "?" + query
        path = urllib.parse.urlsplit(webhook).path
        echoes = [
            f"no_such_webhook {webhook}",
            f"invalid_token path={path}",
            f"invalid_token {urllib.parse.quote(path, safe='')}",
            f"invalid_token {urllib.parse.quote(path, safe='').lower()}",
            '{"ok":false,"error":"invalid_token","url":"' + webhook.replace("/", "\\/") + '"}',
            "x" * 190 + token_parts[2],  # straddles the 200-character limit of the shown text
            f"bad query {query} {urllib.parse.quote(query, safe='')}",
        ]
        slack.responses = [(404, {}, echo) for echo in echoes] + [(500, {}, f"upstream {token_parts[2]}")] * 2
        for echo in echoes:
            result = run(["digest", "--at", "2026-11-27T04:30:00Z"], DATABASE_URL=loaded, SLACK_WEBHOOK_URL=webhook)
            assert result.returncode == 78, result.stderr
            assert "HTTP 404" in result.stderr
            assert_no_secret(result, [webhook, path, query, "q5ecretQueryValue", *token_parts], f"echo {echo[:40]!r}")
        result = run(["digest", "--at", "2026-11-27T04:30:00Z", "--attempts", "2"], DATABASE_URL=loaded,
                     SLACK_WEBHOOK_URL=webhook)
        assert result.returncode == 69, result.stderr
        assert_no_secret(result, [webhook, path, *token_parts], "5xx retries")
