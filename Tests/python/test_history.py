"""Day-split history and clusters against a real PostgreSQL: `edge_daily` and
`edge_wide_daily` (one cluster's UTC day of each key) under the all-time `edge` and
`edge_wide`; range replays that replace whole days and keep the others; replays of an
archive that lacks loaded segments (kept, never deleted); the refusals of replay; two
clusters in one database and the reports' --cluster; and the upgrade of a database of the
previous release (migrations 0001 to 0008, batch format 2)."""
import glob
import hashlib
import json
import os
import re
import shutil
import subprocess
import time
import uuid

import pytest

from conftest import BIN, ROOT, SAMPLES, Database, start_paused

# The committed samples: one UTC day (2026-11-27 01:30 to 04:30) of cluster homelab.
SAMPLE_FLAGS = ["--start", "2026-11-27T01:30:00Z", "--windows", "12", "--window-minutes", "15", "--activity", "0.5", "--seed", "2026"]
# Two UTC days: 2026-11-27 22:00 to 2026-11-28 02:00, 8 windows on each side of midnight.
TWO_DAY_FLAGS = ["--start", "2026-11-27T22:00:00Z", "--windows", "16", "--window-minutes", "15", "--activity", "0.5", "--seed", "2026"]
DAY1, DAY2 = "2026-11-27", "2026-11-28"
FORMAT_2_BATCH = os.path.join(ROOT, "Tests/Fixtures/batch-format-2.jsonl")
MIGRATIONS = os.path.join(ROOT, "Sources/Load/migrations")

COUNTERS = ["flow_count", "connections", "packets_in", "packets_out", "bytes_in", "bytes_out"]
EDGE_KEY = ["src_ns", "dst_ns", "action"]
WIDE_KEY = ["src_type", "src_ns", "src_identity", "src_workload", "dst_type", "dst_ns", "dst_identity", "dst_workload",
            "dst_service", "dst_port", "proto", "action", "reporter"]
POLICY_IDENTITY = ["src_type", "src_ns", "src_workload", "src_labels", "dst_type", "dst_ns", "dst_workload", "dst_labels", "dst_port",
                   "proto", "reporter", "action", "enforced_kind", "enforced_tier", "enforced_policy", "enforced_rule", "enforced_action",
                   "enforced_trigger", "pending_kind", "pending_tier", "pending_policy", "pending_rule", "pending_action", "pending_trigger"]
# Per table: the columns (cluster aside) that order its rows completely.
ORDER = {
    "edge": EDGE_KEY,
    "edge_daily": ["day"] + EDGE_KEY,
    "edge_wide": Database.WIDE_ORDER.split(", "),
    "edge_wide_daily": ["day"] + Database.WIDE_ORDER.split(", "),
    "policy_flow": ["day", "flow_id"],
}


# --- helpers --------------------------------------------------------------------------------

def new_database(prefix="h_"):
    if "PGHOST" not in os.environ:
        pytest.fail("no PostgreSQL: run the tests through `make test` (scripts/with-postgres.sh starts a throwaway server)")
    name = prefix + uuid.uuid4().hex[:12]
    subprocess.run(["createdb", name], check=True)
    return Database(name)


def drop(database):
    subprocess.run(["dropdb", "--force", database.name], check=False)


@pytest.fixture
def databases():
    """Makes more throwaway databases for one test (a reference, a single-cluster twin)."""
    made = []

    def make():
        made.append(new_database())
        return made[-1]
    yield make
    for database in made:
        drop(database)


def samples(out, *flags):
    subprocess.run([BIN, "samples", "--out", str(out), *flags], check=True, capture_output=True, text=True)


def segments(archive):
    return sorted(glob.glob(os.path.join(str(archive), "**/*.seg"), recursive=True))


def window_day(path):
    """The UTC day (YYYYMMDD) a segment's window starts on, from its name CLUSTER-STARTZ-ENDZ.seg."""
    return os.path.basename(path).rsplit("-", 2)[1][:8]


def copy_archive(source, target):
    shutil.copytree(str(source), str(target))
    return str(target)


def output(result):
    return result.stdout + result.stderr


def says_full_replay(text):
    """A refusal that tells to replay everything (no --from/--to), however it is worded."""
    return re.search(r"full\W+(goldmane-trail\s+)?replay|replay everything|no --from/--to", text, re.I) is not None


def state(database):
    """The dump plus the list of tables: a refused job leaves no shadow table behind either."""
    tables = database.psql("SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY 1")
    return database.dump(), tables


def assert_history_invariant(database):
    """edge is the merge of edge_daily, edge_wide the merge of edge_wide_daily (days = the
    sorted distinct days of its daily rows), and every daily row starts in its own UTC day."""
    counters = ", ".join(COUNTERS)
    sums = ", ".join(f"sum({c})::bigint" for c in COUNTERS)
    edge = f"SELECT cluster, {', '.join(EDGE_KEY)}, first_seen, last_seen, {counters} FROM edge"
    edge_merged = (f"SELECT cluster, {', '.join(EDGE_KEY)}, min(first_seen), max(last_seen), {sums} FROM edge_daily "
                   f"GROUP BY cluster, {', '.join(EDGE_KEY)}")
    wide = f"SELECT cluster, {', '.join(WIDE_KEY)}, first_seen, last_seen, {counters}, days FROM edge_wide"
    wide_merged = (f"SELECT cluster, {', '.join(WIDE_KEY)}, min(first_seen), max(last_seen), {sums}, array_agg(DISTINCT day ORDER BY day) "
                   f"FROM edge_wide_daily GROUP BY cluster, {', '.join(WIDE_KEY)}")
    for name, left, right in (("edge", edge, edge_merged), ("edge_wide", wide, wide_merged)):
        assert database.psql(f"({left}) EXCEPT ALL ({right}) LIMIT 5") == [], f"{name} has rows its daily rows do not give"
        assert database.psql(f"({right}) EXCEPT ALL ({left}) LIMIT 5") == [], f"{name} lacks rows its daily rows give"
    for table in ("edge_daily", "edge_wide_daily"):
        outside = database.psql(f"SELECT count(*) FROM {table} WHERE first_seen < day::timestamp AT TIME ZONE 'UTC' "
                                f"OR first_seen >= (day + 1)::timestamp AT TIME ZONE 'UTC' OR last_seen < first_seen")
        assert outside == [["0"]], f"{table} has rows outside their UTC day"


def daily_flows(database):
    """edge_daily's flow counts, by cluster, day and key."""
    return database.psql(f"SELECT cluster, to_char(day, 'YYYY-MM-DD'), {', '.join(EDGE_KEY)}, flow_count FROM edge_daily "
                         f"ORDER BY cluster, day, {', '.join(EDGE_KEY)}")


def shifted(rows, amounts):
    """daily_flows rows with `amounts[(cluster, day)]` added to their flow counts."""
    return [row[:-1] + [str(int(row[-1]) + amounts.get((row[0], row[1]), 0))] for row in rows]


def tamper(database, day, amount, cluster=None):
    """Adds `amount` to the flow count of every edge_daily row of `day` (of `cluster`, or of
    every cluster) and the same to edge, so the invariant still holds: only a replay that
    rebuilds that day from the archive takes it back out."""
    where = f"day = '{day}'" + (f" AND cluster = '{cluster}'" if cluster else "")
    database.psql(f"""
        UPDATE edge e SET flow_count = e.flow_count + {amount} * d.n
        FROM (SELECT cluster, src_ns, dst_ns, action, count(*) AS n FROM edge_daily WHERE {where} GROUP BY 1, 2, 3, 4) d
        WHERE e.cluster = d.cluster AND e.src_ns = d.src_ns AND e.dst_ns = d.dst_ns AND e.action = d.action;
        UPDATE edge_daily SET flow_count = flow_count + {amount} WHERE {where};
        """)
    assert_history_invariant(database)


def cluster_rows(database, table, cluster):
    """A table's rows of one cluster, every column but `cluster`, in key order."""
    columns = [row[0] for row in database.psql(
        f"SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = '{table}' "
        f"ORDER BY ordinal_position") if row[0] != "cluster"]
    assert columns, f"no table {table}"
    return database.psql(f"SELECT {', '.join(columns)} FROM {table} WHERE cluster = '{cluster}' ORDER BY {', '.join(ORDER[table])}")


def paused(database, point, tmp_path, *arguments, **environment):
    """Starts goldmane-trail paused at `point`; returns the process and its pause file."""
    return start_paused(point, tmp_path, arguments, database.env(**environment))


@pytest.fixture(scope="module")
def two_day_archive(tmp_path_factory):
    """A two-day archive of cluster homelab (read-only: tests that change it copy it)."""
    path = tmp_path_factory.mktemp("two-day") / "archive"
    samples(path, *TWO_DAY_FLAGS)
    paths = segments(path)
    assert len(paths) == 16
    assert [window_day(p) for p in paths].count("20261128") == 8
    return str(path)


@pytest.fixture(scope="module")
def two_day_reference(two_day_archive):
    """The dump of a clean etl of the two-day archive, in a database of its own."""
    database = new_database("ref_")
    try:
        database.trail("etl", "--archive", two_day_archive)
        return database.dump()
    finally:
        drop(database)


# --- the daily tables -----------------------------------------------------------------------

def test_history_is_split_by_cluster_and_utc_day_and_the_all_time_tables_are_its_merge(database, two_day_archive, tmp_path):
    """etl of an archive across midnight fills edge_daily and edge_wide_daily with one row per
    cluster, UTC day (of the bucket start) and key, exactly the rows of a format-3 batch of the
    same segments; edge and edge_wide are their merge (days = the days of the daily rows), and
    every ledger row is marked by_day."""
    result = database.trail("etl", "--archive", two_day_archive)
    assert "16 segments loaded" in result.stdout
    assert_history_invariant(database)
    assert database.psql("SELECT DISTINCT cluster, to_char(day, 'YYYY-MM-DD') FROM edge_daily ORDER BY 2") == [["homelab", DAY1], ["homelab", DAY2]]
    assert database.psql("SELECT DISTINCT to_char(day, 'YYYY-MM-DD') FROM edge_wide_daily ORDER BY 1") == [[DAY1], [DAY2]]
    assert database.psql("SELECT DISTINCT to_char(day, 'YYYY-MM-DD') FROM policy_flow ORDER BY 1") == [[DAY1], [DAY2]]
    # Some keys are seen on both days: their all-time rows span midnight.
    assert int(database.psql("SELECT count(*) FROM edge_wide WHERE cardinality(days) = 2")[0][0]) > 0
    assert int(database.psql(f"SELECT count(*) FROM edge WHERE first_seen < '{DAY2}T00:00:00Z' AND last_seen > '{DAY2}T00:00:00Z'")[0][0]) > 0
    assert database.psql("SELECT DISTINCT by_day FROM load_ledger") == [["t"]]

    batch = tmp_path / "two-day.jsonl"
    subprocess.run([BIN, "transform", two_day_archive, "-o", str(batch)], check=True, capture_output=True)
    with open(batch) as handle:
        header, *rows = [json.loads(line) for line in handle]
    assert header["format_version"] == 3
    edges = [r for r in rows if r["kind"] == "edge"]
    wide = [r for r in rows if r["kind"] == "wide"]
    policy = [r for r in rows if r["kind"] == "policy"]
    assert edges and wide and policy
    assert {(r["cluster"], r["day"]) for r in edges} == {("homelab", DAY1), ("homelab", DAY2)}
    assert all(r["cluster"] == "homelab" and len(r["days"]) == 1 for r in wide)
    assert all(r["cluster"] == "homelab" for r in policy)

    stored = database.psql(f"SELECT cluster, to_char(day, 'YYYY-MM-DD'), {', '.join(EDGE_KEY)}, extract(epoch FROM first_seen)::bigint, "
                           f"extract(epoch FROM last_seen)::bigint, {', '.join(COUNTERS)} FROM edge_daily")
    expected = [[r["cluster"], r["day"]] + [r[k] for k in EDGE_KEY] + [str(r[k]) for k in ["first_seen", "last_seen"] + COUNTERS] for r in edges]
    assert sorted(stored) == sorted(expected)
    stored = database.psql(f"SELECT cluster, to_char(day, 'YYYY-MM-DD'), {', '.join(WIDE_KEY)}, extract(epoch FROM first_seen)::bigint, "
                           f"extract(epoch FROM last_seen)::bigint, {', '.join(COUNTERS)} FROM edge_wide_daily")
    expected = [[r["cluster"], r["days"][0]] + [str(r[k]) for k in WIDE_KEY + ["first_seen", "last_seen"] + COUNTERS] for r in wide]
    assert sorted(stored) == sorted(expected)
    stored = database.psql("SELECT cluster, to_char(day, 'YYYY-MM-DD'), count(*), sum(flow_count) FROM policy_flow GROUP BY 1, 2 ORDER BY 1, 2")
    expected = {}
    for r in policy:
        count, flows = expected.get((r["cluster"], r["day"]), (0, 0))
        expected[(r["cluster"], r["day"])] = (count + 1, flows + r["flow_count"])
    assert stored == [[c, d, str(n), str(f)] for (c, d), (n, f) in sorted(expected.items())]


# --- range replays --------------------------------------------------------------------------

def test_a_range_replay_replaces_the_days_it_touches_and_keeps_the_others(database, two_day_archive, two_day_reference):
    """With unchanged code a range replay (RFC 3339 or Unix seconds, within a day or across
    midnight) leaves every table exactly as a clean etl left it; and it rebuilds the whole UTC
    days its range touches from the archive while the other days stay as the database has
    them (shown by a marker added to both days' counts: only the replayed day loses it)."""
    database.trail("etl", "--archive", two_day_archive)
    assert database.dump() == two_day_reference
    clean = daily_flows(database)

    database.trail("replay", "--archive", two_day_archive, "--from", "2026-11-27T22:00:00Z", "--to", "2026-11-28T00:00:00Z")
    assert database.dump() == two_day_reference
    midnight = 1795824000  # 2026-11-28T00:00:00Z
    database.trail("replay", "--archive", two_day_archive, "--from", str(midnight - 1800), "--to", str(midnight + 1800))
    assert database.dump() == two_day_reference
    assert_history_invariant(database)

    tamper(database, DAY1, 1000)
    tamper(database, DAY2, 1000)
    # One window of day 2 in range: the whole of day 2 is rebuilt, day 1 kept as it is.
    database.trail("replay", "--archive", two_day_archive, "--from", "2026-11-28T01:00:00Z", "--to", "2026-11-28T01:15:00Z")
    assert daily_flows(database) == shifted(clean, {("homelab", DAY1): 1000})
    assert_history_invariant(database)
    # Then one window of day 1: every day is back to the archive's word.
    database.trail("replay", "--archive", two_day_archive, "--from", "2026-11-27T23:00:00Z", "--to", "2026-11-27T23:15:00Z")
    assert database.dump() == two_day_reference
    assert_history_invariant(database)


def test_replay_refusals_change_nothing(database, tmp_path):
    """--from not before --to is 64; an empty archive, a range or a --cluster with no segment
    is 66 ("no segment"), a nonexistent archive 66; none of them changes a table or leaves a
    table behind."""
    database.trail("etl", "--archive", SAMPLES)
    before = state(database)
    os.makedirs(tmp_path / "empty")
    cases = [
        (64, None, ["--archive", SAMPLES, "--from", "2026-11-27T03:00:00Z", "--to", "2026-11-27T03:00:00Z"]),
        (64, None, ["--archive", SAMPLES, "--from", "2026-11-27T03:00:00Z", "--to", "2026-11-27T02:00:00Z"]),
        (66, "no segment", ["--archive", str(tmp_path / "empty")]),
        (66, "no segment", ["--archive", SAMPLES, "--from", "2030-01-01T00:00:00Z", "--to", "2030-01-02T00:00:00Z"]),
        (66, "no segment", ["--archive", SAMPLES, "--cluster", "nosuchcluster"]),
        (66, None, ["--archive", str(tmp_path / "nonexistent")]),
    ]
    for code, message, arguments in cases:
        result = database.trail("replay", *arguments, check=False)
        assert result.returncode == code, (arguments, result.stdout, result.stderr)
        if message:
            assert message in result.stderr, (arguments, result.stderr)
        assert state(database) == before, arguments


def test_a_replay_keeps_the_day_of_segments_missing_from_the_archive(database, archive):
    """Segments the ledger holds but the archive lacks (pruned, lost) are not a deletion: a
    full replay and a range replay of the archive without 3 of them exit 0, keep every table
    exactly as it was, and say "3 loaded segments are not in the archive" and "kept"."""
    database.trail("etl", "--archive", archive)
    before = state(database)
    for path in segments(archive)[4:7]:
        os.remove(path)
    result = database.trail("replay", "--archive", archive)
    assert "3 loaded segments are not in the archive" in output(result) and "kept" in output(result)
    assert state(database) == before
    result = database.trail("replay", "--archive", archive, "--from", "2026-11-27T01:30:00Z", "--to", "2026-11-27T02:00:00Z")
    assert "3 loaded segments are not in the archive" in output(result) and "kept" in output(result)
    assert state(database) == before
    assert_history_invariant(database)


def test_removing_a_day_from_the_archive_does_not_delete_it_and_the_other_days_are_rebuilt(database, two_day_archive, two_day_reference, tmp_path):
    """With day 2's segments gone from the archive, a full replay keeps day 2 exactly as it was
    (8 loaded segments not in the archive, kept) and still rebuilds day 1 from the archive (a
    marker added to day 1 is gone): the tables equal a clean etl of both days. A range replay
    across midnight does not delete day 2 either."""
    archive = copy_archive(two_day_archive, tmp_path / "archive")
    database.trail("etl", "--archive", archive)
    for path in segments(archive):
        if window_day(path) == "20261128":
            os.remove(path)
    assert len(segments(archive)) == 8
    day2 = database.psql("SELECT * FROM edge_daily WHERE day = '2026-11-28' ORDER BY cluster, src_ns, dst_ns, action")
    assert day2
    tamper(database, DAY1, 1000)

    result = database.trail("replay", "--archive", archive)
    assert "8 loaded segments are not in the archive" in output(result) and "kept" in output(result)
    assert database.psql("SELECT * FROM edge_daily WHERE day = '2026-11-28' ORDER BY cluster, src_ns, dst_ns, action") == day2
    assert database.dump() == two_day_reference
    assert_history_invariant(database)

    result = database.trail("replay", "--archive", archive, "--from", "2026-11-27T23:00:00Z", "--to", "2026-11-28T01:00:00Z")
    assert "loaded segments are not in the archive" in output(result) and "kept" in output(result)
    assert database.dump() == two_day_reference


def test_a_replay_with_other_settings_that_would_keep_old_rows_is_refused(database, two_day_archive, tmp_path):
    """Other settings (SERVICE_IDENTITY_NAMESPACES=kube-system) with a range replay, or with a
    full replay that would keep the days of missing segments, would leave rows of the old
    settings in the tables: exit 65, nothing changes, the message says to run a full replay.
    A full replay with every segment present takes the new settings."""
    database.trail("etl", "--archive", two_day_archive)
    before = state(database)
    other = {"SERVICE_IDENTITY_NAMESPACES": "kube-system"}

    ranged = database.trail("replay", "--archive", two_day_archive, "--from", "2026-11-27T22:00:00Z", "--to", "2026-11-28T00:00:00Z",
                            check=False, **other)
    assert ranged.returncode == 65, ranged.stderr
    assert says_full_replay(ranged.stderr), ranged.stderr
    assert state(database) == before

    pruned = copy_archive(two_day_archive, tmp_path / "pruned")
    for path in segments(pruned):
        if window_day(path) == "20261128":
            os.remove(path)
    missing = database.trail("replay", "--archive", pruned, check=False, **other)
    assert missing.returncode == 65, missing.stderr
    assert says_full_replay(missing.stderr), missing.stderr
    assert state(database) == before

    database.trail("replay", "--archive", two_day_archive, **other)
    assert database.psql("SELECT count(DISTINCT settings_fingerprint) FROM load_ledger") == [["1"]]
    assert database.psql("SELECT DISTINCT src_identity FROM edge_wide WHERE src_ns = 'monitoring'") == [["monitoring"]]
    assert database.psql("SELECT DISTINCT src_identity FROM edge_wide_daily WHERE src_ns = 'monitoring'") == [["monitoring"]]
    assert_history_invariant(database)


TOTALS = (f"SELECT (SELECT sum(flow_count) FROM edge_daily WHERE day = '{DAY1}'), (SELECT sum(flow_count) FROM edge), "
          "(SELECT count(*) FROM edge_daily), (SELECT count(*) FROM edge_wide_daily), (SELECT count(*) FROM edge_wide)")


def test_repeatable_read_readers_see_the_old_or_the_new_days_during_a_range_replay(database, two_day_archive, two_day_reference, tmp_path):
    """While a range replay of day 1 is built, readers see the old rows; a REPEATABLE READ
    transaction whose snapshot predates the swap, reading the tables only after it, still sees
    every old row (no table emptied, no mix); afterwards readers see the rebuilt day."""
    database.trail("etl", "--archive", two_day_archive)
    clean = database.psql(TOTALS)
    tamper(database, DAY1, 1000)
    old = database.psql(TOTALS)
    assert old != clean
    process, pause = paused(database, "replay-built", tmp_path, "replay", "--archive", two_day_archive,
                            "--from", "2026-11-27T22:00:00Z", "--to", "2026-11-28T00:00:00Z")
    ready, done = tmp_path / "reader-ready", tmp_path / "replay-done"
    reader = None
    try:
        # The shadow tables are built; readers still see the old rows.
        assert database.psql(TOTALS) == old
        # A REPEATABLE READ snapshot taken now (SELECT 'snapshot'), the tables read only after the swap.
        script = tmp_path / "reader.sql"
        script.write_text("BEGIN ISOLATION LEVEL REPEATABLE READ;\n"
                          "SELECT 'snapshot';\n"
                          f"\\! touch '{ready}'; i=0; while [ ! -e '{done}' ] && [ $i -lt 2400 ]; do sleep 0.05; i=$((i+1)); done\n"
                          f"{TOTALS};\n"
                          "COMMIT;\n")
        reader = subprocess.Popen(["psql", "-X", "-q", "-A", "-t", "-F", "\t", "-v", "ON_ERROR_STOP=1", "-d", database.name, "-f", str(script)],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = time.time() + 60
        while not ready.exists():
            assert reader.poll() is None, reader.communicate()
            assert time.time() < deadline, "the reader never took its snapshot"
            time.sleep(0.05)
        pause.unlink()
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            pass  # waiting for the reader's locks: it goes on once the reader commits
    finally:
        done.touch()
        if pause.exists():
            pause.unlink()
    seen, errors = reader.communicate(timeout=120)
    assert reader.returncode == 0, errors
    _, stderr = process.communicate(timeout=300)
    assert process.returncode == 0, stderr
    lines = [line.split("\t") for line in seen.splitlines() if line]
    assert lines == [["snapshot"]] + old
    assert database.psql(TOTALS) == clean
    assert database.dump() == two_day_reference


# --- clusters -------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def two_clusters(tmp_path_factory):
    """The samples of cluster homelab and the same flows as cluster lab2 in one archive,
    loaded into one database; and each cluster's archive alone loaded into a database of its
    own. Read-only: tests that change them make their own."""
    root = tmp_path_factory.mktemp("clusters")
    archive = copy_archive(SAMPLES, root / "archive")
    samples(archive, "--cluster", "lab2", *SAMPLE_FLAGS)
    assert len(segments(os.path.join(archive, "lab2"))) == 12 and len(segments(archive)) == 24
    lab2_alone = root / "lab2-alone"
    copy_archive(os.path.join(archive, "lab2"), lab2_alone / "lab2")
    made = []
    try:
        for _ in range(3):
            made.append(new_database("c_"))
        both, homelab, lab2 = made
        assert "24 segments loaded" in both.trail("etl", "--archive", archive).stdout
        homelab.trail("etl", "--archive", SAMPLES)
        lab2.trail("etl", "--archive", str(lab2_alone))
        yield {"archive": archive, "both": both, "alone": {"homelab": homelab, "lab2": lab2}}
    finally:
        for database in made:
            drop(database)


def test_two_clusters_in_one_database_equal_each_cluster_loaded_alone(two_clusters):
    """Each cluster's rows in every table of the shared database equal a single-cluster etl of
    its archive alone; the same flows under two cluster names are two sets of rows, none
    counted twice; the ledger has 12 segments per cluster."""
    both = two_clusters["both"]
    assert_history_invariant(both)
    for cluster, alone in two_clusters["alone"].items():
        assert_history_invariant(alone)
        assert alone.psql("SELECT DISTINCT cluster FROM edge") == [[cluster]]
        for table in ORDER:
            rows = cluster_rows(both, table, cluster)
            assert rows, (cluster, table)
            assert rows == cluster_rows(alone, table, cluster), (cluster, table)
    # `samples --cluster lab2` with the samples' flags gives the samples' flows under another name.
    for table in ("edge", "edge_daily", "edge_wide", "edge_wide_daily", "policy_flow"):
        assert cluster_rows(both, table, "lab2") == cluster_rows(both, table, "homelab"), table
    assert both.psql("SELECT cluster, count(*) FROM load_ledger GROUP BY cluster ORDER BY cluster") == [["homelab", "12"], ["lab2", "12"]]
    assert both.psql("SELECT DISTINCT by_day FROM load_ledger") == [["t"]]


def without_cluster_list(report):
    """A report minus the list of clusters it covers (the rest must be equal)."""
    if isinstance(report, dict):
        return {key: value for key, value in report.items() if key not in ("clusters", "cluster")}
    return report


def test_reports_of_one_cluster_equal_the_report_of_its_database_alone(two_clusters, tmp_path):
    """egress-report --cluster X --format json and query adjacency --cluster X --json on the
    two-cluster database equal the same commands on the database of cluster X alone."""
    both = two_clusters["both"]
    for cluster, alone in two_clusters["alone"].items():
        reports = []
        for name, database in (("both", both), ("alone", alone)):
            path = tmp_path / f"egress-{cluster}-{name}.json"
            database.trail("egress-report", "--cluster", cluster, "--format", "json", "-o", str(path))
            with open(path) as handle:
                reports.append(without_cluster_list(json.load(handle)))
        assert reports[0]["namespaces"], cluster
        assert reports[0] == reports[1], cluster
        adjacency = [json.loads(database.trail("query", "adjacency", "--cluster", cluster, "--json").stdout) for database in (both, alone)]
        assert adjacency[0], cluster
        assert adjacency[0] == adjacency[1], cluster


def test_health_judges_each_cluster_on_its_own(database, two_clusters, tmp_path):
    """With lab2's last hour missing, health names homelab fresh and lab2 stale, in the
    database and in the archive, and exits 2."""
    archive = copy_archive(two_clusters["archive"], tmp_path / "archive")
    for path in segments(os.path.join(archive, "lab2"))[-4:]:
        os.remove(path)
    database.trail("etl", "--archive", archive)
    result = database.trail("health", "--at", "2026-11-27T04:40:00Z", "--max-age", "30m", check=False)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "database fresh: cluster homelab" in result.stdout
    assert "database STALE: cluster lab2: the newest loaded data ends 2026-11-27T03:30:00Z, 1h10m ago" in result.stdout
    result = database.trail("health", "--archive", archive, "--at", "2026-11-27T04:40:00Z", "--max-age", "30m", check=False)
    assert result.returncode == 2
    assert "archive fresh: cluster homelab" in result.stdout and "archive STALE: cluster lab2" in result.stdout


def test_a_range_replay_of_one_cluster_keeps_the_other_clusters(database, two_clusters):
    """replay --cluster lab2 --from --to rebuilds lab2's touched day and leaves homelab's rows
    as the database has them (a marker on homelab survives); the same for homelab then gives
    the clean tables back."""
    database.trail("etl", "--archive", two_clusters["archive"])
    before = database.dump()
    clean = daily_flows(database)
    tamper(database, DAY1, 1000, cluster="homelab")
    tamper(database, DAY1, 500, cluster="lab2")
    database.trail("replay", "--archive", two_clusters["archive"], "--cluster", "lab2", "--from", "2026-11-27T02:00:00Z", "--to", "2026-11-27T02:15:00Z")
    assert daily_flows(database) == shifted(clean, {("homelab", DAY1): 1000})
    assert_history_invariant(database)
    database.trail("replay", "--archive", two_clusters["archive"], "--cluster", "homelab", "--from", "2026-11-27T02:00:00Z", "--to", "2026-11-27T02:15:00Z")
    assert database.dump() == before


# --- upgrade from the previous release ------------------------------------------------------

def literal(value):
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    return "'" + str(value).replace("'", "''") + "'"


def text_array(values):
    return "ARRAY[" + ", ".join(literal(v) for v in values) + "]::text[]" if values else "'{}'::text[]"


def flow_id(row):
    """PolicyFlowRow.flowID: 32 hex digits of the SHA-256 of the identity's length-prefixed fields."""
    fields = [row["src_type"], row["src_ns"], row["src_workload"], "\0".join(row["src_labels"]), row["dst_type"], row["dst_ns"],
              row["dst_workload"], "\0".join(row["dst_labels"]), str(row["dst_port"]), row["proto"], row["reporter"], row["action"]]
    for side in ("enforced", "pending"):
        fields += [row[f"{side}_kind"], row[f"{side}_tier"], row[f"{side}_policy"], str(row[f"{side}_rule"]), row[f"{side}_action"],
                   row[f"{side}_trigger"]]
    data = b"".join(str(len(f.encode())).encode() + b":" + f.encode() for f in fields)
    return hashlib.sha256(data).hexdigest()[:32]


def previous_release_load(batch, recorded_settings):
    """The SQL of a load of a format-2 batch by the previous release: edge, edge_wide and
    policy_flow rows, and one ledger row (with its coverage) per input."""
    header, rows = batch
    statements = []
    for r in rows:
        if r["kind"] == "edge":
            statements.append(f"INSERT INTO edge (src_ns, dst_ns, action, first_seen, last_seen, {', '.join(COUNTERS)}) VALUES ("
                              + ", ".join([literal(r[k]) for k in EDGE_KEY] + [f"to_timestamp({r['first_seen']})", f"to_timestamp({r['last_seen']})"]
                                          + [literal(r[k]) for k in COUNTERS]) + ")")
        elif r["kind"] == "wide":
            days = "ARRAY[" + ", ".join(f"{literal(d)}::date" for d in r["days"]) + "]::date[]"
            statements.append(f"INSERT INTO edge_wide ({', '.join(WIDE_KEY)}, first_seen, last_seen, {', '.join(COUNTERS)}, days) VALUES ("
                              + ", ".join([literal(r[k]) for k in WIDE_KEY] + [f"to_timestamp({r['first_seen']})", f"to_timestamp({r['last_seen']})"]
                                          + [literal(r[k]) for k in COUNTERS] + [days]) + ")")
        elif r["kind"] == "policy":
            values = [f"{literal(r['day'])}::date", literal(flow_id(r))]
            values += [text_array(r[k]) if k.endswith("_labels") else literal(r[k]) for k in POLICY_IDENTITY]
            values += [f"to_timestamp({r['first_seen']})", f"to_timestamp({r['last_seen']})", literal(r["flow_count"]), literal(r["connections"])]
            statements.append(f"INSERT INTO policy_flow (day, flow_id, {', '.join(POLICY_IDENTITY)}, first_seen, last_seen, flow_count, connections) "
                              f"VALUES ({', '.join(values)})")
    settings, fingerprint = None, None
    if recorded_settings:
        settings = json.dumps({"settings": header["settings"], "transform_version": header["transform_version"]}, sort_keys=True, separators=(",", ":"))
        fingerprint = hashlib.sha256(settings.encode()).hexdigest()[:16]
    edge_rows = sum(r["kind"] == "edge" for r in rows)
    wide_rows = sum(r["kind"] == "wide" for r in rows)
    timestamp = lambda seconds: "NULL" if seconds is None else f"to_timestamp({seconds})"
    for i in header["inputs"]:
        statements.append("INSERT INTO load_ledger (sha256, segment, cluster, capture_id, window_start, window_end, data_start, data_end, items, "
                          "batch_edge_rows, batch_wide_rows, transform_version, settings, settings_fingerprint) VALUES ("
                          + ", ".join([literal(i["sha256"]), literal(i["segment"]), literal(i["cluster"]), literal(i["capture_id"]),
                                       timestamp(i["window_start"]), timestamp(i["window_end"]), timestamp(i.get("min_start")),
                                       timestamp(i.get("max_end")), literal(i["records"]), literal(edge_rows), literal(wide_rows),
                                       literal(header["transform_version"]), literal(settings), literal(fingerprint)]) + ")")
        ranges = [(c["from"], c["to"], "captured", "") for c in i["coverage"]["captured"]]
        ranges += [(g["from"], g["to"], "gap", g.get("reason", "")) for g in i["coverage"]["gaps"]]
        for start, end, kind, reason in ranges:
            statements.append("INSERT INTO coverage (sha256, cluster, range_start, range_end, kind, reason) VALUES ("
                              + ", ".join([literal(i["sha256"]), literal(i["cluster"]), timestamp(start), timestamp(end), literal(kind),
                                           literal(reason)]) + ")")
    return ";\n".join(statements) + ";\n"


def run_sql_file(database, path):
    subprocess.run(["psql", "-X", "-q", "-1", "-v", "ON_ERROR_STOP=1", "-d", database.name, "-f", str(path)],
                   check=True, capture_output=True, text=True)


@pytest.mark.parametrize("settings", ["unrecorded", "recorded"])
def test_a_database_of_the_previous_release_upgrades_keeps_its_data_and_replays_clean(database, databases, tmp_path, settings):
    """A database made by the previous release (migrations 0001-0008, the samples loaded from
    a format-2 batch, ledger settings NULL or as that release recorded them): `migrate` keeps
    every row (cluster homelab) and marks the ledger by_day false; etl then loads nothing new;
    a range replay is refused (65, history not split by day) and changes nothing; a full
    replay gives exactly the tables of a clean etl, by_day."""
    files = sorted(glob.glob(os.path.join(MIGRATIONS, "000[1-8]_*.sql")))
    assert len(files) == 8
    for path in files:
        run_sql_file(database, path)
    database.psql("CREATE TABLE schema_migrations (version text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now()); "
                  "INSERT INTO schema_migrations (version) VALUES " + ", ".join(f"('{os.path.basename(p)[:-4]}')" for p in files))
    with open(FORMAT_2_BATCH) as handle:
        header, *rows = [json.loads(line) for line in handle]
    assert header["format_version"] == 2 and len(header["inputs"]) == 12
    load = tmp_path / "previous-release-load.sql"
    load.write_text(previous_release_load((header, rows), settings == "recorded"))
    run_sql_file(database, load)

    database.trail("migrate")
    assert len(database.psql("SELECT version FROM schema_migrations WHERE version LIKE '0009%'")) == 1
    stored = database.psql(f"SELECT cluster, {', '.join(EDGE_KEY)}, extract(epoch FROM first_seen)::bigint, extract(epoch FROM last_seen)::bigint, "
                           f"{', '.join(COUNTERS)} FROM edge")
    expected = [["homelab"] + [r[k] for k in EDGE_KEY] + [str(r[k]) for k in ["first_seen", "last_seen"] + COUNTERS] for r in rows if r["kind"] == "edge"]
    assert len(expected) == header["edge_rows"] and sorted(stored) == sorted(expected)
    stored = database.psql(f"SELECT cluster, {', '.join(WIDE_KEY)}, extract(epoch FROM first_seen)::bigint, extract(epoch FROM last_seen)::bigint, "
                           f"{', '.join(COUNTERS)}, (SELECT string_agg(to_char(d, 'YYYY-MM-DD'), ',' ORDER BY d) FROM unnest(days) AS d) FROM edge_wide")
    expected = [["homelab"] + [str(r[k]) for k in WIDE_KEY + ["first_seen", "last_seen"] + COUNTERS] + [",".join(r["days"])]
                for r in rows if r["kind"] == "wide"]
    assert len(expected) == header["wide_rows"] and sorted(stored) == sorted(expected)
    identity = [f"array_to_json({k})" if k.endswith("_labels") else k for k in POLICY_IDENTITY]
    stored = database.psql(f"SELECT cluster, to_char(day, 'YYYY-MM-DD'), flow_id, {', '.join(identity)}, extract(epoch FROM first_seen)::bigint, "
                           f"extract(epoch FROM last_seen)::bigint, flow_count, connections FROM policy_flow")
    labels = [3 + POLICY_IDENTITY.index("src_labels"), 3 + POLICY_IDENTITY.index("dst_labels")]
    stored = [[json.loads(v) if n in labels else v for n, v in enumerate(row)] for row in stored]
    expected = [["homelab", r["day"], flow_id(r)] + [r[k] if k.endswith("_labels") else str(r[k]) for k in POLICY_IDENTITY]
                + [str(r[k]) for k in ("first_seen", "last_seen", "flow_count", "connections")] for r in rows if r["kind"] == "policy"]
    assert len(expected) == header["policy_rows"] and sorted(stored, key=json.dumps) == sorted(expected, key=json.dumps)
    assert database.psql("SELECT count(*), bool_or(by_day) FROM load_ledger") == [["12", "f"]]
    migrated = state(database)

    etl = database.trail("etl", "--archive", SAMPLES)
    assert "0 segments loaded" in etl.stdout
    assert state(database) == migrated
    ranged = database.trail("replay", "--archive", SAMPLES, "--from", "2026-11-27T02:00:00Z", "--to", "2026-11-27T03:00:00Z", check=False)
    assert ranged.returncode == 65, ranged.stdout + ranged.stderr
    assert says_full_replay(ranged.stderr), ranged.stderr
    assert state(database) == migrated

    database.trail("replay", "--archive", SAMPLES)
    clean = databases()
    clean.trail("etl", "--archive", SAMPLES)
    assert database.dump() == clean.dump()
    assert database.psql("SELECT count(*), bool_and(by_day) FROM load_ledger") == [["12", "t"]]
    assert_history_invariant(database)


def test_the_digest_names_its_clusters_and_each_edge_s_cluster_when_there_are_several(two_clusters):
    """A digest over two clusters names both in its context line and each edge's cluster on its
    line; with --cluster it is the digest of that cluster alone, which names only it."""
    both = two_clusters["both"]
    at = "2026-11-27T04:30:00Z"
    payload = json.loads(both.trail("digest", "--at", at, "--max-edges", "500", DRY_RUN="1").stdout)
    context = payload["blocks"][1]["elements"][0]["text"]
    assert "`homelab, lab2`" in context
    lines = [line for block in payload["blocks"] if block["type"] == "section"
             for line in block["text"]["text"].split("\n") if line.startswith("• `")]
    assert lines and all(line.startswith("• `homelab` ") or line.startswith("• `lab2` ") for line in lines
                         if "→" in line)
    assert {line.split("`")[1] for line in lines if "→" in line} == {"homelab", "lab2"}
    one = json.loads(both.trail("digest", "--at", at, "--max-edges", "500", "--cluster", "lab2", DRY_RUN="1").stdout)
    alone = json.loads(two_clusters["alone"]["lab2"].trail("digest", "--at", at, "--max-edges", "500", DRY_RUN="1").stdout)
    assert one == alone
    assert "`lab2`" in one["blocks"][1]["elements"][0]["text"] and "homelab" not in json.dumps(one)
