#!/usr/bin/env python3
"""How etl reads the archive, per segment: file opens and bytes read, counted by strace
(`-y` names each descriptor's file), and the etl's wall time on a day-sized archive (about
5 million items), and a replay of it. Run inside scripts/with-postgres.sh. With --baseline-bin, the same for a
second binary (an older build) in the same run, on the same archives, each into a fresh
database.

    scripts/with-postgres.sh .venv/bin/python bench/etl_io.py --bin .build/release/goldmane-trail \
        [--baseline-bin OLD] --work out/bench

Writes <work>/etl-io-results.json."""
import argparse
import collections
import glob
import json
import os
import re
import shutil
import subprocess
import time
import uuid

START = "2026-11-27T00:00:00Z"
CALL = re.compile(r"^(?:\[pid\s+\d+\]\s+|\d+\s+)?(\w+)\((.*)\)\s+=\s+(-?\d+)")
SEGMENT = re.compile(r"\d+<([^<>]*\.seg)>")


def fresh_database():
    name = "io_" + uuid.uuid4().hex[:10]
    subprocess.run(["createdb", name], check=True)
    env = dict(os.environ)
    env["DATABASE_URL"] = f"postgresql:///{name}?host={os.environ['PGHOST']}&port={os.environ['PGPORT']}&user={os.environ['PGUSER']}"
    return env


def reads_per_segment(binary, archive, work):
    """strace one etl of `archive` into a fresh database: opens and bytes per segment file."""
    trace = os.path.join(work, "etl.strace")
    subprocess.run(["strace", "-f", "-y", "-qq", "-e", "trace=openat,read,pread64", "-o", trace, binary, "etl", "--archive", archive],
                   env=fresh_database(), check=True, capture_output=True)
    opens = collections.Counter()
    bytes_read = collections.Counter()
    with open(trace) as lines:
        for line in lines:
            match = CALL.match(line)
            if not match:
                continue
            call, arguments, result = match.group(1), match.group(2), int(match.group(3))
            if call == "openat":
                path = re.search(r'"([^"]*\.seg)"', arguments)
                if path and result >= 0:
                    opens[os.path.basename(path.group(1))] += 1
            elif result > 0:
                path = SEGMENT.match(arguments)
                if path:
                    bytes_read[os.path.basename(path.group(1))] += result
    sizes = {os.path.basename(path): os.path.getsize(path) for path in glob.glob(os.path.join(archive, "**/*.seg"), recursive=True)}
    segments = len(sizes)
    return {
        "segments": segments,
        "opens_per_segment": round(sum(opens.values()) / segments, 2),
        "bytes_read_per_segment": round(sum(bytes_read.values()) / segments),
        "segment_bytes_mean": round(sum(sizes.values()) / segments),
        "bytes_read_per_segment_byte": round(sum(bytes_read.values()) / sum(sizes.values()), 3),
    }


def timed(binary, arguments, env):
    started = time.perf_counter()
    result = subprocess.run([binary, *arguments], env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"{binary} {arguments[0]} failed: {result.stderr}")
    return round(elapsed, 1)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", required=True)
    parser.add_argument("--baseline-bin")
    parser.add_argument("--work", required=True)
    parser.add_argument("--windows", type=int, default=150)
    arguments = parser.parse_args()
    os.makedirs(arguments.work, exist_ok=True)
    small = os.path.join(arguments.work, "io-8w")
    day = os.path.join(arguments.work, f"day-{arguments.windows}w")
    if not os.path.isdir(small):
        subprocess.run([arguments.bin, "samples", "--out", small, "--start", START, "--windows", "8", "--scale", "4", "--seed", "5"],
                       check=True, capture_output=True)
    if not os.path.isdir(day):
        subprocess.run([arguments.bin, "samples", "--out", day, "--start", START, "--windows", str(arguments.windows), "--scale", "4",
                        "--seed", "5"], check=True, capture_output=True)
    binaries = {"current": arguments.bin}
    if arguments.baseline_bin:
        binaries["baseline"] = arguments.baseline_bin
    results = {label: {} for label in binaries}
    if shutil.which("strace"):
        for label, binary in binaries.items():
            results[label] = reads_per_segment(binary, small, arguments.work)
    else:
        print("strace is not installed (apt-get install strace): file reads per segment not counted")
    # Alternate the timed runs so that neither binary always runs on a warmer cache.
    for round_ in range(2):
        for label, binary in binaries.items():
            env = fresh_database()
            results[label].setdefault("etl_day_seconds", []).append(timed(binary, ["etl", "--archive", day], env))
            results[label].setdefault("replay_day_seconds", []).append(timed(binary, ["replay", "--archive", day], env))
    for label, result in results.items():
        reads = (f"{result['opens_per_segment']} opens and {result['bytes_read_per_segment']:,} bytes read per segment "
                 f"({result['bytes_read_per_segment_byte']}x its size, {result['segment_bytes_mean']:,} bytes); ") if "segments" in result else ""
        print(f"{label}: {reads}etl of the {arguments.windows}-window archive: {result['etl_day_seconds']} s, "
              f"then replay: {result['replay_day_seconds']} s", flush=True)
    if "baseline" in results:
        ratio = min(results["baseline"]["etl_day_seconds"]) / min(results["current"]["etl_day_seconds"])
        results["speedup_vs_baseline"] = round(ratio, 2)
        replay = min(results["baseline"]["replay_day_seconds"]) / min(results["current"]["replay_day_seconds"])
        results["replay_speedup_vs_baseline"] = round(replay, 2)
        print(f"etl: baseline / current = {ratio:.2f}; replay: baseline / current = {replay:.2f} (best of 2 each)")
    with open(os.path.join(arguments.work, "etl-io-results.json"), "w") as out:
        json.dump(results, out, indent=2)


if __name__ == "__main__":
    main()
