#!/usr/bin/env python3
"""A year of one cluster's archive (365 days of 15-minute segments: 35,040 files, a quiet
home lab so that the item count stays small and the file count is the point): a full replay
into a fresh database, then `compact` of every day, then the same replay again. For each
replay: segment files opened (strace), wall time, and the result (the tables must be equal).
Run inside scripts/with-postgres.sh:

    scripts/with-postgres.sh .venv/bin/python bench/history_bench.py --bin .build/release/goldmane-trail --work out/bench

Writes <work>/history-results.json. --days N for a shorter archive."""
import argparse
import glob
import json
import os
import re
import shutil
import subprocess
import time
import uuid

START = "2025-11-27T00:00:00Z"


def fresh_database():
    name = "hist_" + uuid.uuid4().hex[:10]
    subprocess.run(["createdb", name], check=True)
    env = dict(os.environ)
    env["DATABASE_URL"] = f"postgresql:///{name}?host={os.environ['PGHOST']}&port={os.environ['PGPORT']}&user={os.environ['PGUSER']}"
    return name, env


def traced_replay(binary, archive, env, work, label):
    """One replay under strace: (seconds, segment files opened, distinct segments)."""
    trace = os.path.join(work, f"history-{label}.strace")
    started = time.perf_counter()
    subprocess.run(["strace", "-f", "-qq", "-e", "trace=openat", "-o", trace, binary, "replay", "--archive", archive],
                   env=env, check=True, capture_output=True)
    seconds = time.perf_counter() - started
    opens, files = 0, set()
    with open(trace) as lines:
        for line in lines:
            match = re.search(r'openat\([^"]*"([^"]*\.seg)"[^=]*=\s*(\d+)', line)
            if match:
                opens += 1
                files.add(match.group(1))
    return seconds, opens, len(files)


def timed_replay(binary, archive, env):
    started = time.perf_counter()
    subprocess.run([binary, "replay", "--archive", archive], env=env, check=True, capture_output=True)
    return time.perf_counter() - started


def tables(name):
    query = ("SELECT (SELECT md5(string_agg(e::text, ',' ORDER BY e::text)) FROM edge e), "
             "(SELECT md5(string_agg(w::text, ',' ORDER BY w::text)) FROM edge_wide w), "
             "(SELECT md5(string_agg(d::text, ',' ORDER BY d::text)) FROM edge_daily d), (SELECT count(*) FROM edge_wide_daily)")
    return subprocess.run(["psql", "-X", "-A", "-t", "-d", name, "-c", query], check=True, capture_output=True, text=True).stdout.strip()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", required=True)
    parser.add_argument("--work", required=True)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--activity", default="0.02")
    arguments = parser.parse_args()
    binary = os.path.abspath(arguments.bin)
    work = os.path.abspath(arguments.work)
    archive = os.path.join(work, f"history-{arguments.days}d")
    os.makedirs(work, exist_ok=True)
    if not os.path.isdir(archive):
        subprocess.run([binary, "samples", "--out", archive, "--start", START, "--windows", str(arguments.days * 96),
                        "--window-minutes", "15", "--activity", arguments.activity, "--seed", "365"], check=True, capture_output=True)
    compacted = archive + "-compacted"
    shutil.rmtree(compacted, ignore_errors=True)
    shutil.copytree(archive, compacted)
    segments = len(glob.glob(os.path.join(archive, "**", "*.seg"), recursive=True))
    size = sum(os.path.getsize(p) for p in glob.glob(os.path.join(archive, "**", "*.seg"), recursive=True))

    name, env = fresh_database()
    before = {}
    before["seconds"] = timed_replay(binary, archive, env)
    before["again_seconds"] = timed_replay(binary, archive, env)
    _, before["opens"], before["files"] = traced_replay(binary, archive, env, work, "before")
    reference = tables(name)

    started = time.perf_counter()
    subprocess.run([binary, "compact", "--archive", compacted, "--before", "2030-01-01T00:00:00Z"], check=True, capture_output=True)
    compact_seconds = time.perf_counter() - started
    day_segments = len(glob.glob(os.path.join(compacted, "**", "*.seg"), recursive=True))
    day_size = sum(os.path.getsize(p) for p in glob.glob(os.path.join(compacted, "**", "*.seg"), recursive=True))

    name2, env2 = fresh_database()
    after = {}
    after["seconds"] = timed_replay(binary, compacted, env2)
    after["again_seconds"] = timed_replay(binary, compacted, env2)
    _, after["opens"], after["files"] = traced_replay(binary, compacted, env2, work, "after")
    assert tables(name2) == reference, "replay of the compacted archive gave other tables"

    results = {"days": arguments.days, "segments": segments, "bytes": size, "day_segments": day_segments, "day_bytes": day_size,
               "compact_seconds": compact_seconds, "replay_before": before, "replay_after": after}
    with open(os.path.join(work, "history-results.json"), "w") as handle:
        json.dump(results, handle, indent=2)
    print(f"history: {arguments.days} days, {segments} segments ({size / 2**20:.0f} MiB) -> compact in {compact_seconds:.1f} s -> "
          f"{day_segments} day segments ({day_size / 2**20:.0f} MiB)")
    print(f"  full replay into a fresh database: {before['seconds']:.1f} s, again onto loaded tables {before['again_seconds']:.1f} s, "
          f"{before['opens']} segment opens of {before['files']} files")
    print(f"  after compaction: {after['seconds']:.1f} s ({after['seconds'] / before['seconds']:.2f}x), again {after['again_seconds']:.1f} s, "
          f"{after['opens']} segment opens of {after['files']} files; the tables are equal")


if __name__ == "__main__":
    main()
