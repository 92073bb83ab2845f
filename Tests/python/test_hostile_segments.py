"""Hostile segment files against the CLI: damaged framing, malformed records inside sound
frames, decompression bombs, poison item times, and a full disk. Segments are made by the
independent writer (segment_writer.py), never by goldmane-trail itself.

    scripts/with-postgres.sh .venv/bin/python -m pytest -q Tests/python/test_hostile_segments.py
"""
import json
import os
import re
import signal
import subprocess
import sys
import time

import pytest

from conftest import BIN
from goldmane_standin import FAR_FUTURE, extra_item, flow_result, items_for_bucket
from segment_writer import RawFrame, archive_path, flow_result_bytes, varint, write_segment

DATA_ERROR = 65
CANNOT_CREATE = 73
STALE = 2
WINDOW = 1795744800  # 2026-11-27T02:00:00Z
RSS_LIMIT_KIB = 256 << 10


def trail(*arguments, env=None, timeout=120):
    return subprocess.run([BIN, *map(str, arguments)], capture_output=True, text=True, env=env, timeout=timeout)


def good_records(window_start, every=60, span=900):
    """[(FlowResult bytes, start, end)] of the stand-in's default buckets, every `every` s."""
    records = []
    for start in range(window_start, window_start + span, every):
        for _, data in items_for_bucket(start):
            records.append((data, start, start + 15))
    return records


def names_location(output, path):
    """A line of `output` naming `path` and a byte offset."""
    return re.search(re.escape(str(path)) + r"[^\n]*at byte \d+", output) is not None


def clip(text, limit=2500):
    """The start of a long output (where a crash says why), and its end."""
    return text if len(text) <= limit else text[:limit * 4 // 5] + "\n[...]\n" + text[-(limit // 5):]


def shown(result):
    return f"exit {result.returncode}\n--- stdout\n{clip(result.stdout)}\n--- stderr\n{clip(result.stderr)}"


# --- The writer itself -------------------------------------------------------------------------

def test_the_independent_writer_writes_segments_goldmane_trail_accepts(tmp_path):
    records = good_records(WINDOW)
    written = write_segment(tmp_path / "good.seg", records, window=(WINDOW, WINDOW + 900), records_per_frame=17)
    verify = trail("verify", written.path)
    assert verify.returncode == 0, shown(verify)
    assert f"{len(records)} records in {len(written.footer['frames'])} frames" in verify.stdout
    out = tmp_path / "good.jsonl"
    transform = trail("transform", written.path, "-o", out)
    assert transform.returncode == 0, shown(transform)
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    header = lines[0]
    assert header["items"]["read"] == len(records)
    assert header["dropped"]["all"] == {}
    assert sum(row["flow_count"] for row in lines[1:] if row["kind"] == "wide") == len(records)
    listing = trail("inspect", "--records", written.path)
    assert listing.returncode == 0, shown(listing)
    assert len(listing.stdout.splitlines()) == len(records)


# --- a. Damaged header, footer and framing -----------------------------------------------------

def damaged_variants(honest):
    """name -> write_segment overrides that make one thing wrong (frames 0..2 of 30 records)."""
    footer = honest.footer
    frames = footer["frames"]
    return {
        "footer-min-start": dict(footer_overrides={"min_start": footer["min_start"] - 15}),
        "footer-max-end": dict(footer_overrides={"max_end": footer["max_end"] + 15}),
        "frame-first-start": dict(frame_overrides={1: {"first_start": frames[1]["first_start"] - 15}}),
        "frame-last-start": dict(frame_overrides={1: {"last_start": frames[1]["last_start"] + 15}}),
        "frame-max-end": dict(frame_overrides={0: {"max_end": frames[0]["max_end"] - 15}}),
        "footer-data-start": dict(data_start_override=honest.data_start + 1),
        "header-record-type": dict(header_overrides={"record_type": "goldmane.Flow"}),
        "header-window-empty": dict(header_overrides={"window_start": WINDOW + 900, "window_end": WINDOW + 900}),
        "header-window-reversed": dict(header_overrides={"window_start": WINDOW + 900, "window_end": WINDOW}),
        "frame-without-checksum": dict(no_checksum_frames={1}),
        "frame-claims-no-records": dict(frame_overrides={1: {"records": 0}},
                                        footer_overrides={"record_count": footer["record_count"] - frames[1]["records"]}),
    }


DAMAGE = ["footer-min-start", "footer-max-end", "frame-first-start", "frame-last-start", "frame-max-end",
          "footer-data-start", "header-record-type", "header-window-empty", "header-window-reversed",
          "frame-without-checksum", "frame-claims-no-records"]


@pytest.mark.parametrize("damage", DAMAGE)
def test_a_damaged_segment_is_refused_by_every_command(tmp_path, damage):
    records = good_records(WINDOW)
    honest = write_segment(tmp_path / "honest.seg", records, window=(WINDOW, WINDOW + 900), records_per_frame=30)
    assert len(honest.footer["frames"]) == 3
    assert trail("verify", honest.path).returncode == 0
    path = tmp_path / f"{damage}.seg"
    write_segment(path, records, window=(WINDOW, WINDOW + 900), records_per_frame=30, **damaged_variants(honest)[damage])

    out = tmp_path / "out.jsonl"
    failures = []
    for arguments in (["verify", path], ["inspect", path], ["inspect", "--json", path], ["inspect", "--records", path],
                      ["transform", path, "-o", out]):
        result = trail(*arguments)
        output = result.stdout + result.stderr
        if result.returncode != DATA_ERROR or not names_location(output, path):
            command = " ".join(str(a) for a in arguments if a not in (path, out))
            failures.append(f"`{command}`: exit {result.returncode}: {clip((result.stdout + result.stderr).strip(), 400)}")
    assert not out.exists(), "transform wrote a batch of a damaged segment"
    assert not list(tmp_path.glob("*.tmp")) and not list(tmp_path.glob(".*.tmp")), "a temporary output was left behind"
    assert not failures, f"{damage}: want exit 65 naming {path} and 'at byte N' from every command:\n" + "\n".join(failures)


# --- b. Malformed records inside sound frames --------------------------------------------------

# kind -> the record's bytes, given the bucket start of its neighbours (only the well-formed
# message with a bad string has times a reader could see).
MALFORMED = {
    "truncated-field": lambda start: b"\x12\x05\x01",
    "invalid-utf8-key": lambda start: flow_result_bytes(start, start + 15, source_name=b"client-\xff\xfe\xc0-*"),
    "length-2^63": lambda start: b"\x08\x01\x12" + varint(1 << 63) + b"\x00" * 8,
    "nested-groups": lambda start: b"\x0b" * 100_000,
}


def malformed_segment(tmp_path, kinds):
    """Three frames of good records; the bad records are record 1 of frame 1 and record 2 of
    frame 2 (cycling through `kinds`), each between good records of the same bucket."""
    buckets = [WINDOW + 60 * i for i in range(6)]
    per_bucket = [[(data, start, start + 15) for _, data in items_for_bucket(start)] for start in buckets]
    frames_records = [per_bucket[0] + per_bucket[1], per_bucket[2] + per_bucket[3], per_bucket[4] + per_bucket[5]]
    bad_positions = [(1, 1), (2, 2)]
    kinds = list(kinds)
    placed = []
    for number, (frame, index) in enumerate(bad_positions):
        for kind in kinds[number::2] if len(kinds) > 1 else kinds:
            start = frames_records[frame][index - 1][1]
            frames_records[frame].insert(index, (MALFORMED[kind](start), start, start + 15))
            placed.append((frame, index, kind))
            index += 1
    records, ranges = [], []
    for chunk in frames_records:
        ranges.append((len(records), len(records) + len(chunk)))
        records.extend(chunk)
    path = tmp_path / "malformed.seg"
    written = write_segment(path, records, window=(WINDOW, WINDOW + 900), frames=ranges)
    return written, records, ranges, placed


@pytest.mark.parametrize("kinds", [[k] for k in MALFORMED] + [list(MALFORMED)], ids=list(MALFORMED) + ["all-mixed"])
def test_malformed_records_in_sound_frames_are_counted_not_fatal(tmp_path, kinds):
    written, records, ranges, placed = malformed_segment(tmp_path, kinds)
    path = written.path
    frames = written.footer["frames"]
    where = [f"data frame {frame} at byte {frames[frame]['offset']}, record {index}" for frame, index, _ in placed]

    problems = []
    verify = trail("verify", path)
    if verify.returncode != 0 or f"{len(placed)} records cannot be folded" not in verify.stdout \
            or any(location not in verify.stderr for location in where):
        problems.append(f"verify: want exit 0, '{len(placed)} records cannot be folded' and a warning naming each of "
                        f"{where}:\n" + shown(verify))

    listing = trail("inspect", "--records", path)
    if listing.returncode != 0:
        problems.append("inspect --records: want exit 0:\n" + shown(listing))
    else:
        lines = [json.loads(line) for line in listing.stdout.splitlines()]
        bad = {(frame, index) for frame, index, _ in placed}
        wrong = []
        for line in lines:
            key = (line["frame"], line["record"])
            if key in bad:
                prefix, message = written.record_offsets[key[0]][key[1]]
                if "error" not in line or "flow_result" in line or line.get("offset") not in (prefix, message):
                    wrong.append(f"bad record {key} (at byte {message} of its frame) shown as {clip(json.dumps(line), 300)}")
            elif "error" in line or "flow_result" not in line:
                wrong.append(f"good record {key} shown as {clip(json.dumps(line), 300)}")
        if len(lines) != len(records) or wrong:
            problems.append(f"inspect --records: {len(lines)} lines for {len(records)} records; " + "; ".join(wrong))

    out = tmp_path / "out.jsonl"
    transform = trail("transform", path, "-o", out)
    if transform.returncode != 0 or not out.exists():
        problems.append("transform: want exit 0:\n" + shown(transform))
    else:
        lines = [json.loads(line) for line in out.read_text().splitlines()]
        dropped = lines[0]["dropped"]["all"]
        flows = sum(row["flow_count"] for row in lines[1:] if row["kind"] == "wide")
        good = len(records) - len(placed)
        if dropped.get("malformed") != len(placed) or flows != good or where[0] not in transform.stderr:
            problems.append(f"transform: want dropped.all.malformed == {len(placed)}, {good} flows folded and a warning "
                            f"naming {where[0]!r}; got dropped {dropped}, {flows} flows:\n" + shown(transform))
    assert not problems, f"malformed records {[(f, r, k) for f, r, k in placed]} (frame, record, kind):\n" + "\n\n".join(problems)


@pytest.mark.parametrize("kind", list(MALFORMED))
def test_no_command_exits_1_on_a_malformed_record(tmp_path, kind):
    """The record alone, in a frame of its own between good frames, and inspect's other modes."""
    records = good_records(WINDOW, every=300)
    start = records[0][1]
    records.insert(1, (MALFORMED[kind](start), start, start + 15))
    written = write_segment(tmp_path / "one.seg", records, window=(WINDOW, WINDOW + 900), frames=[(0, 1), (1, 2), (2, len(records))])
    for arguments in (["verify", written.path], ["inspect", written.path], ["inspect", "--json", written.path],
                      ["inspect", "--records", "--raw", written.path], ["transform", written.path, "-o", tmp_path / "o.jsonl"]):
        result = trail(*arguments)
        assert result.returncode == 0, f"{arguments[0]}: " + shown(result)


# --- c. Decompression bombs --------------------------------------------------------------------

# Runs a command and reports its peak RSS. A child forked from this (large) pytest process
# would inherit its high-water mark through exec, so a tiny launcher forks the command and
# reads the command's own rusage from wait4.
LAUNCHER = """
import os, sys
pid = os.fork()
if pid == 0:
    os.execv(sys.argv[2], sys.argv[2:])
_, status, usage = os.wait4(pid, 0)
with open(sys.argv[1], "w") as handle:
    handle.write(str(usage.ru_maxrss))
sys.exit(os.waitstatus_to_exitcode(status) % 256)
"""


def run_measured(arguments, tmp_path, timeout=120):
    """Runs goldmane-trail; returns (exit code, stdout, stderr, peak RSS in KiB)."""
    rss_file = tmp_path / "maxrss"
    process = subprocess.Popen([sys.executable, "-S", "-c", LAUNCHER, str(rss_file), BIN, *map(str, arguments)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        stdout, stderr = process.communicate()
        return None, stdout, stderr + f"\n(killed after {timeout} s)", int(rss_file.read_text()) if rss_file.exists() else -1
    code = process.returncode
    if code > 128:  # the launcher reports a signal -N as 256 - N
        code -= 256
    return code, stdout, stderr, int(rss_file.read_text())


def zero_frame(size):
    """A zstd frame (content size and checksum declared) of `size` zero bytes, made in 1 MiB
    steps so this process never holds the content."""
    import io
    import zstandard
    sink = io.BytesIO()
    writer = zstandard.ZstdCompressor(level=19, write_checksum=True, write_content_size=True).stream_writer(sink, size=size, closefd=False)
    chunk = bytes(1 << 20)
    for _ in range(size >> 20):
        writer.write(chunk)
    writer.close()
    return sink.getvalue()


@pytest.mark.parametrize("mib", [128, 60])
def test_a_decompression_bomb_is_refused_in_bounded_memory(tmp_path, mib):
    size = mib << 20  # every 0x00 byte of the content is an empty record
    path = tmp_path / f"bomb-{mib}.seg"
    written = write_segment(path, window=(WINDOW, WINDOW + 900), raw_frames=[
        RawFrame(compressed=zero_frame(size), content_size=size, records=size, first_start=0, last_start=0, max_end=0)])
    assert written.size < 16 << 10, written.size

    out = tmp_path / "bomb.jsonl"
    failures = []
    for arguments in (["verify", path], ["transform", path, "-o", out], ["inspect", "--records", path]):
        code, stdout, stderr, rss = run_measured(arguments, tmp_path)
        if code != DATA_ERROR or not names_location(stdout + stderr, path) or rss >= RSS_LIMIT_KIB:
            failures.append(f"{arguments[0]}: exit {code}, peak RSS {rss // 1024} MiB\n{clip(stdout, 1500)}\n{clip(stderr, 1500)}")
    assert not out.exists() and not list(tmp_path.glob("*.tmp")) and not list(tmp_path.glob(".*.tmp"))
    assert not failures, f"{mib} MiB bomb ({written.size} bytes): want exit 65 naming the file and offset, under 256 MiB:\n" + "\n".join(failures)


# --- d. Poison items through etl, and health ----------------------------------------------------

def poison_archive(root):
    """Six good segments of consecutive windows three days ago, then five more each holding
    one poison item among good ones. Returns ({segment name: good items}, poison names)."""
    day = (int(time.time()) // 86400 - 3) * 86400
    good, poison = {}, []
    for k in range(11):
        start, end = day + 900 * k, day + 900 * (k + 1)
        records = good_records(start, every=60)
        count = len(records)
        if k == 6:
            records.insert(0, (extra_item("negative", -2**62, -2**62 + 15), -2**62, -2**62 + 15))
        elif k == 7:
            records.append((extra_item("int64-max", 2**63 - 16, 2**63 - 1), 2**63 - 16, 2**63 - 1))
        elif k == 8:
            records.append((extra_item("year-9999", FAR_FUTURE, FAR_FUTURE + 15), FAR_FUTURE, FAR_FUTURE + 15))
        elif k == 9:
            records.insert(0, (extra_item("zero", 0, 15), 0, 15))
        elif k == 10:
            # After the items of the window's first bucket, before the next bucket's.
            first = sum(1 for _, s, _ in records if s == start)
            records.insert(first, (extra_item("unaligned", start + 7, start + 22), start + 7, start + 22))
        path = archive_path(root, "poison", start, end)
        write_segment(path, records, window=(start, end), records_per_frame=40,
                      header_overrides={"cluster": "poison", "capture_id": f"00000000-0000-4000-8000-{k:012d}"})
        good[os.path.basename(path)] = count
        if k >= 6:
            poison.append(path)
    return good, poison


def test_poison_items_are_dropped_and_every_good_item_is_loaded(database, tmp_path):
    root = tmp_path / "archive"
    good, poison = poison_archive(str(root))
    total = sum(good.values())

    problems = []
    for path in poison:
        out = tmp_path / (os.path.basename(path) + ".jsonl")
        result = trail("transform", path, "-o", out)
        if result.returncode != 0:
            problems.append(f"transform {os.path.basename(path)}: " + shown(result))
            continue
        lines = [json.loads(line) for line in out.read_text().splitlines()]
        dropped = lines[0]["dropped"]["all"]
        flows = sum(row["flow_count"] for row in lines[1:] if row["kind"] == "wide")
        if dropped != {"bad_bucket_time": 1} or flows != good[os.path.basename(path)]:
            problems.append(f"transform {os.path.basename(path)}: dropped {dropped}, {flows} flows of {good[os.path.basename(path)]}")

    first = database.trail("etl", "--archive", root, check=False)
    if first.returncode not in (0, DATA_ERROR):
        problems.append("etl: " + shown(first))
    elif first.returncode == DATA_ERROR:
        refused = [name for name in good if name in first.stderr]
        problems.append(f"etl refused {refused or 'an unnamed segment'}: " + shown(first))
    try:
        loaded = database.psql("SELECT coalesce(sum(flow_count), 0) FROM edge_wide")[0][0]
        ledger = sorted(row[0] for row in database.psql("SELECT segment FROM load_ledger"))
    except subprocess.CalledProcessError as error:
        loaded, ledger = None, []
        problems.append(f"cannot query the tables: {error.stderr}")
    if loaded is not None and int(loaded) != total:
        problems.append(f"edge_wide holds {loaded} flows, the archive {total} good items")
    if ledger != sorted(good):
        problems.append(f"load_ledger lacks {sorted(set(good) - set(ledger))}")

    before = database.dump() if loaded is not None else None
    second = database.trail("etl", "--archive", root, check=False)
    if second.returncode != 0 or "0 segments loaded" not in second.stdout:
        problems.append("rerun of etl: " + shown(second))
    elif before is not None and database.dump() != before:
        problems.append("rerun of etl changed the tables")
    assert not problems, "\n\n".join(problems)


def test_health_judges_by_the_trails_own_times_not_item_times(database, tmp_path):
    root = tmp_path / "archive"
    poison_archive(str(root))
    database.trail("etl", "--archive", root, check=False)
    problems = []
    for extra in ([], ["--no-database"]):
        result = database.trail("health", "--archive", root, "--max-age", "30m", *extra, check=False)
        output = result.stdout + result.stderr
        fresh_9999 = [line for line in output.splitlines() if "fresh" in line and "9999" in line]
        if result.returncode != STALE or "archive STALE" not in result.stdout or fresh_9999:
            problems.append(f"health {' '.join(extra)}: " + shown(result))
    assert not problems, "segments captured three days ago must be STALE (exit 2):\n" + "\n\n".join(problems)


# --- e. A full disk -----------------------------------------------------------------------------

def test_a_full_disk_leaves_no_batch_and_exits_73(tmp_path):
    records = [(flow_result(WINDOW, i, k, k + 1).SerializeToString(deterministic=True), WINDOW, WINDOW + 15) for i, k in enumerate(range(3000))]
    segment = write_segment(tmp_path / "wide.seg", records, window=(WINDOW, WINDOW + 900))
    reference = tmp_path / "reference.jsonl"
    result = trail("transform", segment.path, "-o", reference)
    assert result.returncode == 0, shown(result)
    assert reference.stat().st_size > 4 * (256 << 10), reference.stat().st_size

    disk = tmp_path / "disk"
    disk.mkdir()
    mount = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(disk)], capture_output=True, text=True)
    if mount.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here (needs CAP_SYS_ADMIN): {mount.stderr.strip()}")
    try:
        out = disk / "batch.jsonl"
        result = trail("transform", segment.path, "-o", out)
        left = sorted(os.listdir(disk))
        assert result.returncode == CANNOT_CREATE, shown(result)
        assert "batch.jsonl" not in left and not any(name.endswith(".tmp") for name in left), left
        assert str(out) in result.stderr, shown(result)
    finally:
        subprocess.run(["umount", str(disk)], check=False)


@pytest.mark.parametrize("start", [-(2**63), -(2**63) + 15, 2**63 - 30], ids=["int64-min", "int64-min-plus-15", "int64-max"])
def test_items_at_extreme_times_are_dropped_not_a_crash(tmp_path, start):
    """Items whose start time is Int64.min (or near either end) pass verify (they are what the
    wire said) and are dropped by transform as bad_bucket_time, with the progress report on
    (transform once trapped computing progress from the footer's min_start); health too."""
    good = good_records(WINDOW, every=300)
    extreme = [(flow_result_bytes(start, start + 15), start, start + 15)]
    # Records come in bucket order: the extreme one first or last, in a frame of its own.
    records = extreme + good if start < 0 else good + extreme
    frames = [(0, 1), (1, len(records))] if start < 0 else [(0, len(good)), (len(good), len(records))]
    written = write_segment(tmp_path / "extreme.seg", records, window=(WINDOW, WINDOW + 900), frames=frames,
                            coverage={"captured": [{"from": start, "to": start + 15}], "gaps": []})
    assert trail("verify", written.path).returncode == 0
    result = trail("transform", written.path, "-o", tmp_path / "o.jsonl")
    assert result.returncode == 0, shown(result)
    header = json.loads(open(tmp_path / "o.jsonl").readline())
    assert header["dropped"]["all"].get("bad_bucket_time") == 1
    assert header["items"]["read"] == len(records)
    # health of that archive judges it without trapping on its coverage times.
    health = trail("health", "--archive", str(tmp_path), "--no-database")
    assert health.returncode in (0, 2) and "archive" in health.stdout, shown(health)
