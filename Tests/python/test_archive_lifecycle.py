"""compact and prune against a real PostgreSQL: a day of segments becomes one day segment
that verify accepts, transform folds to the same rows, etl loads nothing twice from and replay
rebuilds the same tables from, whatever point a kill interrupts it at; prune removes only what
the database has loaded, and the tables keep the pruned history."""
import glob
import json
import os
import shutil
import signal
import subprocess
import time

import pytest

from conftest import BIN, SAMPLES, start_paused

BEFORE = "2026-11-28T00:00:00Z"  # the samples' day, 2026-11-27, ended days before "now"
PROJECTIONS = ("edge", "edge_wide", "edge_daily", "edge_wide_daily", "policy_flow")


def segments(archive):
    return sorted(glob.glob(os.path.join(archive, "**", "*.seg"), recursive=True))


def projections(database):
    dump = database.dump()
    return {table: dump[table] for table in PROJECTIONS}


def run(*arguments, check=True, **environment):
    result = subprocess.run([BIN, *arguments], capture_output=True, text=True, env=dict(os.environ, **environment))
    if check:
        assert result.returncode == 0, f"{arguments} exited {result.returncode}: {result.stderr}"
    return result


def batch_rows_sha(path):
    with open(path) as handle:
        return json.loads(handle.readline())["rows_sha256"]


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """The tables of a clean etl of the samples, in a database of its own."""
    import uuid
    from conftest import Database
    name = "ref_" + uuid.uuid4().hex[:10]
    subprocess.run(["createdb", name], check=True)
    database = Database(name)
    database.trail("etl", "--archive", SAMPLES)
    tables = projections(database)
    subprocess.run(["dropdb", "--force", name], check=False)
    return tables


def test_compact_makes_one_day_segment_that_verify_transform_etl_and_replay_agree_with(database, archive, reference, tmp_path):
    database.trail("etl", "--archive", archive)
    parts = segments(archive)
    assert len(parts) == 12
    result = run("compact", "--archive", archive, "--before", BEFORE)
    assert "compacted cluster homelab 2026-11-27: 12 segments" in result.stdout
    (day,) = segments(archive)
    assert os.path.basename(day).startswith("homelab-20261127-day-")
    run("verify", day)
    # The header names every segment it replaces, by name and SHA-256.
    inspect = run("inspect", day).stdout
    for part in parts:
        assert os.path.basename(part) in inspect
    # transform of the day segment gives exactly the rows of its parts.
    run("transform", day, "-o", str(tmp_path / "day.jsonl"))
    run("transform", SAMPLES, "-o", str(tmp_path / "parts.jsonl"))
    assert batch_rows_sha(tmp_path / "day.jsonl") == batch_rows_sha(tmp_path / "parts.jsonl")
    # etl loads nothing new: the day segment's parts are loaded; it is recorded, not merged.
    again = database.trail("etl", "--archive", archive)
    assert "0 segments loaded" in again.stdout
    assert projections(database) == reference
    assert database.psql("SELECT cardinality(replaces) FROM load_ledger WHERE replaces IS NOT NULL") == [["12"]]
    # replay from the day segment gives the same tables.
    database.trail("replay", "--archive", archive)
    assert projections(database) == reference
    # And a database that never saw the parts loads the day segment as any segment.
    import uuid
    from conftest import Database
    name = "fresh_" + uuid.uuid4().hex[:10]
    subprocess.run(["createdb", name], check=True)
    try:
        fresh = Database(name)
        fresh.trail("etl", "--archive", archive)
        assert projections(fresh) == reference
    finally:
        subprocess.run(["dropdb", "--force", name], check=False)
    # A second compact has nothing to do.
    assert "nothing to compact" in run("compact", "--archive", archive, "--before", BEFORE).stdout


def paused_compact(archive, point, tmp_path):
    return start_paused(point, tmp_path, ["compact", "--archive", archive, "--before", BEFORE], dict(os.environ))


@pytest.mark.parametrize("point", ["compact-sealed", "compact-moved", "compact-removing"])
@pytest.mark.parametrize("loaded_before", [True, False], ids=["loaded", "not-loaded"])
def test_a_compact_killed_at_any_step_never_counts_twice_or_loses_anything(database, archive, reference, tmp_path, point, loaded_before):
    if loaded_before:
        database.trail("etl", "--archive", archive)
    process, pause = paused_compact(archive, point, tmp_path)
    process.send_signal(signal.SIGKILL)
    process.wait()
    pause.unlink()
    present = segments(archive)
    # Either the originals alone, or the day segment (in place) with some of them.
    days = [p for p in present if "-day-" in os.path.basename(p)]
    assert len(days) == (0 if point == "compact-sealed" else 1)
    assert len(present) - len(days) == (11 if point == "compact-removing" else 12)
    run("verify", archive)
    # etl (and replay) count every item once, whichever files are there.
    database.trail("etl", "--archive", archive)
    assert projections(database) == reference
    database.trail("replay", "--archive", archive)
    assert projections(database) == reference
    # The next compact finishes the job; the tables stay the same.
    run("compact", "--archive", archive, "--before", BEFORE)
    (day,) = segments(archive)
    assert "-day-" in day
    assert not [p for p in glob.glob(os.path.join(archive, ".staging", "*"))], "staging left behind"
    database.trail("etl", "--archive", archive)
    database.trail("replay", "--archive", archive)
    assert projections(database) == reference


def test_prune_without_the_database_having_loaded_the_segments_removes_nothing(database, archive, tmp_path):
    before = segments(archive)
    database.trail("migrate")
    result = database.trail("prune", "--archive", archive, "--before", BEFORE, check=False)
    assert result.returncode == 65
    assert "not in the load ledger" in result.stderr
    assert segments(archive) == before
    unreachable = dict(DATABASE_URL=f"postgresql:///none?host={tmp_path}")
    result = run("prune", "--archive", archive, "--before", BEFORE, check=False, **unreachable)
    assert result.returncode == 69
    assert segments(archive) == before


def test_prune_of_loaded_segments_keeps_the_tables_and_replay_keeps_their_days(database, archive, reference):
    database.trail("etl", "--archive", archive)
    dump = database.dump()
    # A dry run removes nothing.
    dry = database.trail("prune", "--archive", archive, "--before", "2026-11-27T03:00:00Z", "--dry-run")
    assert "would remove 6 segments" in dry.stdout and len(segments(archive)) == 12
    result = database.trail("prune", "--archive", archive, "--before", "2026-11-27T03:00:00Z")
    assert "removed 6 segments" in result.stdout
    assert len(segments(archive)) == 6
    assert database.dump() == dump
    # The pruned day's history is kept by a replay, which says so.
    replay = database.trail("replay", "--archive", archive)
    assert "6 loaded segments are not in the archive" in replay.stdout + replay.stderr
    assert database.dump() == dump
    # prune of everything loaded: the tables still hold every row.
    database.trail("prune", "--archive", archive, "--before", BEFORE)
    assert segments(archive) == []
    assert projections(database) == reference
    assert database.trail("replay", "--archive", archive, check=False).returncode == 66
    assert database.dump() == dump


def test_a_segment_never_loaded_beside_pruned_ones_is_left_out_of_a_replay_and_etl_loads_it(database, archive, reference, tmp_path):
    """Three segments arrive late (after the etl ran); prune removes the loaded segments of
    their hours. A replay keeps that day as loaded (its segments are gone), so it must not
    claim the late segments: it leaves them out and names them, and etl then loads them."""
    parts = segments(archive)
    held = tmp_path / "held"
    held.mkdir()
    for path in parts[:3]:
        shutil.move(path, held / os.path.basename(path))
    database.trail("etl", "--archive", archive)
    for path in parts[:3]:
        shutil.move(held / os.path.basename(path), path)
    pruned = database.trail("prune", "--archive", archive, "--before", "2026-11-27T03:00:00Z", check=False)
    assert pruned.returncode == 65 and "removed 3 segments" in pruned.stdout
    before = database.dump()
    replay = database.trail("replay", "--archive", archive)
    said = replay.stdout + replay.stderr
    assert "3 loaded segments are not in the archive" in said
    assert said.count("is not loaded and holds data of days this replay keeps") == 3
    assert database.dump() == before
    loaded = database.trail("etl", "--archive", archive)
    assert "3 segments loaded" in loaded.stdout
    assert projections(database) == reference


def corrupt_a_frame(path):
    with open(path, "r+b") as handle:
        handle.seek(os.path.getsize(path) // 2)
        handle.write(b"\xff\xff\xff\xff")


def test_replay_skip_corrupt_leaves_a_corrupt_segment_out_as_etl_does(database, archive, tmp_path):
    """A segment with a damaged data frame: replay stops (65, nothing changed) without
    --skip-corrupt; with it, the rest is rebuilt, exactly what etl loads (etl refuses that
    segment and loads the others)."""
    corrupt_a_frame(segments(archive)[5])
    refused = database.trail("replay", "--archive", archive, check=False)
    assert refused.returncode == 65 and "--skip-corrupt" in refused.stderr
    assert database.psql("SELECT count(*) FROM load_ledger") == [["0"]]
    skipped = database.trail("replay", "--archive", archive, "--skip-corrupt")
    assert "skipped" in skipped.stdout + skipped.stderr
    import uuid
    from conftest import Database
    name = "etl_" + uuid.uuid4().hex[:10]
    subprocess.run(["createdb", name], check=True)
    try:
        other = Database(name)
        assert other.trail("etl", "--archive", archive, check=False).returncode == 65
        assert projections(database) == projections(other)
    finally:
        subprocess.run(["dropdb", "--force", name], check=False)


def test_a_loaded_segment_damaged_later_keeps_its_day(database, archive):
    """Damaged after loading, a segment is no longer the segment the ledger holds (its
    content hash changed): the loaded one is missing, so its day is kept as loaded and said,
    and the damaged file is left out, named."""
    database.trail("etl", "--archive", archive)
    before = database.dump()
    corrupt_a_frame(segments(archive)[5])
    replay = database.trail("replay", "--archive", archive)
    said = replay.stdout + replay.stderr
    assert "1 loaded segment is not in the archive" in said and "is not loaded and holds data of days this replay keeps" in said
    assert database.dump() == before
