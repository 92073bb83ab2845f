#!/usr/bin/env python3
"""Transform of the same archives by two builds, interleaved, best of N each: what a change to
the fold costs. Not part of `make bench` (it needs the other build):

    git worktree add /tmp/base <commit> && (cd /tmp/base && swift build -c release --product goldmane-trail)
    python3 bench/transform_compare.py --baseline-bin /tmp/base/.build/release/goldmane-trail \\
        --bin .build/release/goldmane-trail --work out/bench out/bench/archive-120w out/bench/archive-cardinality

Prints, per archive, items, rows, both times and peak RSS, their ratios, and whether the two
builds' batches are byte-identical.
"""
import argparse
import json
import os
import subprocess
import time


def run(command):
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    stderr = process.stderr.read().decode()
    process.stderr.close()
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{command[0]} failed: {stderr}")
    return elapsed, usage.ru_maxrss / 1024


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", required=True)
    parser.add_argument("--baseline-bin", required=True)
    parser.add_argument("--work", required=True)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("archives", nargs="+")
    arguments = parser.parse_args()
    os.makedirs(arguments.work, exist_ok=True)
    for archive in arguments.archives:
        name = os.path.basename(archive.rstrip("/"))
        before, after = [], []
        for _ in range(arguments.repeat):
            before.append(run([arguments.baseline_bin, "transform", archive, "-o", os.path.join(arguments.work, f"compare-before-{name}.jsonl")]))
            after.append(run([arguments.bin, "transform", archive, "-o", os.path.join(arguments.work, f"compare-after-{name}.jsonl")]))
        with open(os.path.join(arguments.work, f"compare-after-{name}.jsonl")) as handle:
            header = json.loads(handle.readline())
        b, a = min(t for t, _ in before), min(t for t, _ in after)
        with open(os.path.join(arguments.work, f"compare-before-{name}.jsonl"), "rb") as one, \
                open(os.path.join(arguments.work, f"compare-after-{name}.jsonl"), "rb") as other:
            identical = one.read() == other.read()
        br, ar = max(r for _, r in before), max(r for _, r in after)
        print(f"{name}: {header['items']['read']:,} items, {header['wide_rows']:,} wide rows, {header.get('policy_rows', 0):,} policy rows; "
              f"transform before {b:.2f} s, after {a:.2f} s ({a / b:.2f}x); peak RSS before {br:.0f} MiB, after {ar:.0f} MiB ({ar / br:.2f}x); "
              f"batches {'byte-identical' if identical else 'DIFFER'}", flush=True)


if __name__ == "__main__":
    main()
