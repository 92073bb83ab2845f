"""Load against a real PostgreSQL: the runbook's queries, idempotence, concurrency, crashes,
order independence and replay."""
import glob
import json
import re
import os
import shutil
import signal
import subprocess
import threading
import time
from datetime import datetime, timedelta, timezone

import pytest

from conftest import BIN, ROOT, SAMPLES, start_paused

GOLDEN = os.path.join(ROOT, "samples/golden-batch.jsonl")
QUERIES = os.path.join(ROOT, "Tests/Fixtures/runbook-queries.sql")


def golden_edges():
    with open(GOLDEN) as handle:
        lines = [json.loads(line) for line in handle]
    return [row for row in lines if row.get("kind") == "edge"]


def runbook_queries():
    text = open(QUERIES).read().split("\n\n", 1)[1]
    # A statement ends with ';' at the end of a line (a comment may hold one inside).
    return [statement.strip() + ";" for statement in re.split(r";\s*$", text, flags=re.M) if "SELECT" in statement]


def ts(seconds):
    return datetime.fromtimestamp(seconds, timezone.utc).strftime("%Y-%m-%d %H:%M:%S+00")


def test_every_runbook_query_runs_verbatim_and_agrees_with_the_golden_batch(database):
    database.trail("etl", "--archive", SAMPLES)
    edges = golden_edges()
    ns = "dbaas"
    queries = runbook_queries()
    assert len(queries) == 8
    inbound, outbound, new, denied, adjacency, allowlist, matrix, sanity = [q.replace("<ns>", ns) for q in queries]

    rows = database.psql(inbound)
    expected = [e for e in edges if e["dst_ns"] == ns]
    assert sorted(rows) == sorted([[e["src_ns"], e["action"], str(e["flow_count"]), ts(e["first_seen"]), ts(e["last_seen"])] for e in expected])
    assert [int(r[2]) for r in rows] == sorted((int(r[2]) for r in rows), reverse=True)

    rows = database.psql(outbound.replace("'dbaas'", "'monitoring'"))
    expected = [e for e in edges if e["src_ns"] == "monitoring"]
    assert sorted(rows) == sorted([[e["dst_ns"], e["action"], str(e["flow_count"]), ts(e["first_seen"]), ts(e["last_seen"])] for e in expected])
    assert [r[4] for r in rows] == sorted((r[4] for r in rows), reverse=True)

    now = datetime.now(timezone.utc).timestamp()
    rows = database.psql(new)
    assert sorted(rows) == sorted([[e["src_ns"], e["dst_ns"], e["action"], str(e["flow_count"]), ts(e["first_seen"])]
                                   for e in edges if e["first_seen"] > now - 86400])

    rows = database.psql(denied)
    expected = [[e["src_ns"], e["dst_ns"], str(e["flow_count"]), ts(e["last_seen"])] for e in edges if e["action"] == "deny"]
    assert expected and sorted(rows) == sorted(expected)

    rows = database.psql(adjacency)
    assert sorted(rows) == sorted([[e["src_ns"], e["dst_ns"], e["action"], str(e["flow_count"])] for e in edges])
    assert len(rows) == len(edges)

    rows = database.psql(allowlist.replace("'dbaas'", "'immich'"))
    assert [r[0] for r in rows] == sorted({e["dst_ns"] for e in edges if e["src_ns"] == "immich" and e["action"] == "allow"})

    rows = database.psql(matrix)
    expected = {}
    for e in edges:
        if e["action"] == "allow":
            expected.setdefault(e["src_ns"], set()).add(e["dst_ns"])
    assert {r[0]: r[1] for r in rows} == {src: "{" + ",".join(sorted(dsts)) + "}" for src, dsts in expected.items()}

    rows = database.psql(sanity)
    assert sorted(rows) == sorted([list(pair) for pair in {(e["src_ns"], e["dst_ns"]) for e in edges if e["action"] == "deny"}])


def test_a_second_load_changes_nothing(database, tmp_path):
    first = database.trail("etl", "--archive", SAMPLES)
    assert "12 segments loaded" in first.stdout
    before = database.dump()
    second = database.trail("etl", "--archive", SAMPLES)
    assert "0 segments loaded, 12 already loaded" in second.stdout
    assert database.dump() == before
    # The same through `load`: a batch of loaded segments is skipped.
    batch = tmp_path / "all.jsonl"
    subprocess.run([BIN, "transform", SAMPLES, "-o", str(batch)], check=True, capture_output=True)
    again = database.trail("load", str(batch))
    assert "skipped" in again.stdout and "already loaded" in again.stdout
    assert database.dump() == before


def test_etl_skips_loaded_names_without_reading_them_and_knows_renamed_copies(database, archive):
    database.trail("etl", "--archive", archive)
    before = database.dump()
    paths = sorted(glob.glob(os.path.join(archive, "**/*.seg"), recursive=True))
    # A loaded segment overwritten with garbage under its name is not read again (reading it
    # would find it corrupt: exit 65). `verify` is what checks the archive's files.
    with open(paths[0], "wb") as handle:
        handle.write(b"not a segment")
    # A loaded segment copied under a new name is recognised by its content.
    copy = paths[1].replace(".seg", "-copy.seg")
    shutil.copy(paths[2], copy)
    result = database.trail("etl", "--archive", archive)
    assert "0 segments loaded, 13 already loaded, 0 refused" in result.stdout
    assert database.dump() == before


def test_the_tables_equal_the_golden_batch(database):
    database.trail("etl", "--archive", SAMPLES)
    edges = golden_edges()
    rows = database.psql("SELECT src_ns, dst_ns, action, extract(epoch FROM first_seen)::bigint, extract(epoch FROM last_seen)::bigint, "
                         "flow_count, connections, packets_in, packets_out, bytes_in, bytes_out FROM edge ORDER BY src_ns, dst_ns, action")
    expected = sorted([[e["src_ns"], e["dst_ns"], e["action"]] + [str(e[k]) for k in
                       ("first_seen", "last_seen", "flow_count", "connections", "packets_in", "packets_out", "bytes_in", "bytes_out")]
                      for e in edges])
    assert sorted(rows) == expected


def test_two_loaders_at_once_give_the_exact_result(database, tmp_path):
    reference = reference_dump(database, tmp_path)
    processes = [subprocess.Popen([BIN, "etl", "--archive", SAMPLES], env=database.env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                 for _ in range(2)]
    outputs = [p.communicate(timeout=300) for p in processes]
    assert [p.returncode for p in processes] == [0, 0], outputs
    loaded = sorted(int(out.split("etl: ")[1].split(" ")[0]) for out, _ in outputs)
    assert loaded == [0, 12]
    assert database.dump() == reference


def reference_dump(database, tmp_path):
    """The tables a clean etl of the samples gives, in a second database."""
    import uuid
    from conftest import Database
    name = "ref_" + uuid.uuid4().hex[:10]
    subprocess.run(["createdb", name], check=True)
    try:
        reference = Database(name)
        reference.trail("etl", "--archive", SAMPLES)
        return reference.dump()
    finally:
        subprocess.run(["dropdb", "--force", name], check=False)


def paused(database, point, tmp_path, *arguments, **environment):
    """Starts goldmane-trail paused at `point`; returns the process and its pause file."""
    return start_paused(point, tmp_path, arguments, database.env(**environment))


@pytest.mark.parametrize("point", ["locked", "staged", "merged", "before-commit"])
def test_sigkill_of_the_loader_then_a_rerun_gives_the_exact_result(database, tmp_path, point):
    reference = reference_dump(database, tmp_path)
    process, pause = paused(database, point, tmp_path, "etl", "--archive", SAMPLES)
    process.send_signal(signal.SIGKILL)
    process.wait()
    pause.unlink()
    rerun = database.trail("etl", "--archive", SAMPLES)
    assert "0 refused" in rerun.stdout
    assert database.dump() == reference


def server(action):
    bindir, data, runas = os.environ["TRAIL_PG_BINDIR"], os.environ["TRAIL_PG_DATA"], os.environ.get("TRAIL_PG_RUNAS")
    command = [os.path.join(bindir, "pg_ctl"), "-D", data, "-w"]
    command += ["-m", "immediate", "stop"] if action == "kill" else ["-l", os.path.join(os.path.dirname(data), "server.log"), "start"]
    if runas:
        command = ["runuser", "-u", runas, "--"] + command
    subprocess.run(command, check=True, capture_output=True)


@pytest.mark.serial  # stops the shared server: not beside other tests
@pytest.mark.parametrize("point", ["staged", "merged", "before-commit"])
def test_killing_the_server_during_a_load_then_a_rerun_gives_the_exact_result(database, tmp_path, point):
    reference = reference_dump(database, tmp_path)
    process, pause = paused(database, point, tmp_path, "etl", "--archive", SAMPLES)
    server("kill")
    pause.unlink()
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 69, stderr
    assert "unreachable" in stderr or "lost the database connection" in stderr
    server("start")
    database.trail("etl", "--archive", SAMPLES)
    assert database.dump() == reference


def test_loading_segments_in_another_order_gives_identical_tables(database, tmp_path):
    reference = reference_dump(database, tmp_path)
    segments = sorted(p for p in subprocess.run(["find", SAMPLES, "-name", "*.seg"], capture_output=True, text=True).stdout.split())
    batches = []
    for index, segment in enumerate(segments):
        batch = tmp_path / f"b{index}.jsonl"
        subprocess.run([BIN, "transform", segment, "-o", str(batch)], check=True, capture_output=True)
        batches.append(str(batch))
    order = batches[::2][::-1] + batches[1::2]
    database.trail("load", *order)
    assert database.dump()["edge"] == reference["edge"]
    assert database.dump()["edge_wide"] == reference["edge_wide"]
    assert database.dump()["ledger"] == reference["ledger"]


def test_replay_after_a_setting_change_equals_a_clean_load_with_that_setting(database, tmp_path):
    database.trail("etl", "--archive", SAMPLES)
    database.trail("replay", "--archive", SAMPLES, SERVICE_IDENTITY_NAMESPACES="kube-system")
    import uuid
    from conftest import Database
    name = "clean_" + uuid.uuid4().hex[:10]
    subprocess.run(["createdb", name], check=True)
    try:
        clean = Database(name)
        clean.trail("etl", "--archive", SAMPLES, SERVICE_IDENTITY_NAMESPACES="kube-system")
        assert database.dump() == clean.dump()
        identities = database.psql("SELECT DISTINCT src_identity FROM edge_wide WHERE src_ns = 'monitoring'")
        assert identities == [["monitoring"]]
    finally:
        subprocess.run(["dropdb", "--force", name], check=False)
    # And replay with the default settings brings the refined identities back.
    database.trail("replay", "--archive", SAMPLES)
    identities = {r[0] for r in database.psql("SELECT DISTINCT src_identity FROM edge_wide WHERE src_ns = 'monitoring'")}
    assert "monitoring/grafana" in identities


def test_readers_see_the_old_tables_or_the_new_during_a_replay(database, tmp_path):
    database.trail("etl", "--archive", SAMPLES)
    before = database.psql("SELECT count(*), sum(flow_count) FROM edge")
    process, pause = paused(database, "replay-built", tmp_path, "replay", "--archive", SAMPLES, SERVICE_IDENTITY_NAMESPACES="")
    # The shadow tables are built; readers still see the old ones.
    assert database.psql("SELECT count(*), sum(flow_count) FROM edge") == before
    assert database.psql("SELECT count(*) FROM edge_wide WHERE src_identity LIKE 'monitoring/%'") != [["0"]]
    pause.unlink()
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 0, stderr
    assert database.psql("SELECT count(*) FROM edge_wide WHERE src_identity LIKE 'monitoring/%'") == [["0"]]
    assert database.psql("SELECT count(*), sum(flow_count) FROM edge") == before  # same namespaces, same counts


def test_an_overlapping_segment_is_refused_and_nothing_changes(database, archive, tmp_path):
    database.trail("etl", "--archive", archive)
    before = database.dump()
    # A second capture of 01:35-01:40, inside the loaded 01:30-01:45 window.
    subprocess.run([BIN, "samples", "--out", os.path.join(archive, "retry"), "--start", "2026-11-27T01:35:00Z", "--windows", "1",
                    "--window-minutes", "5", "--activity", "0.5", "--seed", "77"], check=True, capture_output=True)
    result = database.trail("etl", "--archive", archive, check=False)
    assert result.returncode == 65
    assert "overlaps" in result.stderr and "homelab-20261127T013000Z-20261127T014500Z.seg" in result.stderr
    assert database.dump() == before


def test_a_second_writer_waits_then_gives_up_with_its_own_code(database, tmp_path):
    process, pause = paused(database, "locked", tmp_path, "etl", "--archive", SAMPLES)
    try:
        second = database.trail("etl", "--archive", SAMPLES, "--lock-wait", "1", check=False)
        assert second.returncode == 75
        assert "another writer holds the lock" in second.stderr
    finally:
        pause.unlink()
        process.communicate(timeout=120)
    assert process.returncode == 0


def test_etl_with_other_settings_exits_65_naming_both_until_a_replay(database, tmp_path):
    """The command line around EtlJob's refusal (the job itself: Tests/JobsTests)."""
    archive = tmp_path / "archive"
    segments = sorted(glob.glob(os.path.join(SAMPLES, "**/*.seg"), recursive=True))
    for path in segments:
        target = archive / os.path.relpath(path, SAMPLES)
        target.parent.mkdir(parents=True, exist_ok=True)
        if path in segments[:6]:
            shutil.copy(path, target)
    database.trail("etl", "--archive", str(archive))
    for path in segments[6:]:
        shutil.copy(path, archive / os.path.relpath(path, SAMPLES))
    before = database.dump()
    refused = database.trail("etl", "--archive", str(archive), "--service-identity-namespaces", "dbaas", check=False)
    assert refused.returncode == 65, refused.stderr
    assert "--service-identity-namespaces dbaas,kube-system,monitoring " in refused.stderr
    assert "--service-identity-namespaces dbaas " in refused.stderr
    assert "goldmane-trail replay" in refused.stderr
    assert database.dump() == before
    assert database.psql("SELECT count(*) FROM load_failures") == [["0"]]
    # `load` of a batch folded with the other settings is refused the same way.
    batch = tmp_path / "other-settings.jsonl"
    subprocess.run([BIN, "transform", *segments_in(archive, segments[6:]), "--service-identity-namespaces", "dbaas",
                    "-o", str(batch)], check=True, capture_output=True)
    loaded = database.trail("load", str(batch), check=False)
    assert loaded.returncode == 65, loaded.stderr
    assert "goldmane-trail replay" in loaded.stderr and "--service-identity-namespaces dbaas " in loaded.stderr
    assert database.dump() == before
    database.trail("replay", "--archive", str(archive), "--service-identity-namespaces", "dbaas")
    after = database.trail("etl", "--archive", str(archive), "--service-identity-namespaces", "dbaas")
    assert "0 segments loaded, 12 already loaded, 0 refused" in after.stdout
    health = database.trail("health", "--at", "2026-11-27T04:40:00Z", check=False)
    assert "the tables were built with --service-identity-namespaces dbaas --service-identity-label" in health.stdout
    assert database.psql("SELECT count(DISTINCT settings_fingerprint) FROM load_ledger") == [["1"]]


def segments_in(archive, sources):
    """The copies in `archive` of sample segments `sources`."""
    return [str(archive / os.path.relpath(path, SAMPLES)) for path in sources]
