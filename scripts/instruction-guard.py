#!/usr/bin/env python3
"""The fold's instruction-count regression guard (`make instructions`, run by `make test`).

Counts the instructions `transform` executes per item (valgrind --tool=callgrind, the
transform-probe executable: the same TransformJob without the command line's async runtime)
on two fixed archives: the committed samples (the home-lab shape) and a generated archive of
many distinct keys (the cardinality shape). Compares them with the committed baseline
(bench/instructions-baseline.json) and fails when one is more than 10 % above it: a slow
change is seen when it lands. Counts, unlike timings, do not depend on the machine's load;
hashing is made deterministic (SWIFT_DETERMINISTIC_HASHING) so they repeat.

    scripts/instruction-guard.py --probe .build/debug/TransformProbe --bin .build/debug/goldmane-trail --work out/instructions
    scripts/instruction-guard.py ... --record     # re-record the baseline, on purpose (say why in the commit)
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BASELINE = os.path.join(ROOT, "bench", "instructions-baseline.json")
TOLERANCE = 0.10
CARDINALITY = ["--start", "2026-11-27T00:00:00Z", "--distinct-keys", "20000", "--items", "60000", "--items-per-bucket", "2000"]


def callgrind_total(text):
    """The `totals:` (or `summary:`) instruction count of a callgrind output file."""
    for line in text.splitlines():
        match = re.match(r"^(?:totals|summary):\s+(\d+)", line)
        if match:
            return int(match.group(1))
    raise ValueError("no totals line in the callgrind output")


def compare(measured, baseline, tolerance=TOLERANCE):
    """Per archive: (name, instructions per item now, baseline, ratio, verdict). A verdict is
    `ok`, `slower` (over the tolerance: the guard fails), `faster` (re-record to keep the
    gain), or `changed` (the archive is not the one the baseline counted)."""
    rows = []
    for name, now in measured.items():
        before = baseline.get(name)
        if before is None or before["items"] != now["items"]:
            rows.append((name, now["per_item"], before["per_item"] if before else None, None, "changed"))
            continue
        ratio = now["per_item"] / before["per_item"]
        verdict = "slower" if ratio > 1 + tolerance else "faster" if ratio < 1 - tolerance else "ok"
        rows.append((name, now["per_item"], before["per_item"], ratio, verdict))
    return rows


def count(probe, archive, work, name):
    out = os.path.join(work, f"{name}.callgrind")
    batch = os.path.join(work, f"{name}.jsonl")
    env = dict(os.environ, SWIFT_DETERMINISTIC_HASHING="1", SWIFT_BACKTRACE="enable=no")
    result = subprocess.run(["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", probe, archive, "-o", batch],
                            env=env, capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"instruction-guard: callgrind of {name} failed ({result.returncode}): {result.stderr[-3000:]}")
    items = int(re.search(r"^items (\d+)$", result.stdout, re.M).group(1))
    with open(out) as handle:
        total = callgrind_total(handle.read())
    return {"items": items, "instructions": total, "per_item": round(total / items, 1)}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--probe", required=True, help="the TransformProbe executable")
    parser.add_argument("--bin", required=True, help="goldmane-trail (writes the cardinality archive)")
    parser.add_argument("--work", required=True)
    parser.add_argument("--baseline", default=BASELINE)
    parser.add_argument("--record", action="store_true", help="write the counts as the new baseline")
    arguments = parser.parse_args()
    if shutil.which("valgrind") is None:
        sys.exit("instruction-guard: valgrind is not installed (scripts/bootstrap.sh installs it)")
    os.makedirs(arguments.work, exist_ok=True)
    # Valgrind 3.19 cannot read the DWARF 5 Swift emits: count a copy without debug info.
    probe = os.path.join(arguments.work, "transform-probe")
    subprocess.run(["objcopy", "--strip-debug", arguments.probe, probe], check=True)
    cardinality = os.path.join(arguments.work, "cardinality")
    shutil.rmtree(cardinality, ignore_errors=True)
    subprocess.run([arguments.bin, "samples", "--out", cardinality, *CARDINALITY], check=True, stdout=subprocess.DEVNULL)
    measured = {
        "samples": count(probe, os.path.join(ROOT, "samples", "archive"), arguments.work, "samples"),
        "cardinality": count(probe, cardinality, arguments.work, "cardinality"),
    }
    if arguments.record:
        with open(arguments.baseline, "w") as handle:
            json.dump(measured, handle, indent=2, sort_keys=True)
            handle.write("\n")
        print(f"instruction-guard: recorded {arguments.baseline}: " + ", ".join(f"{k} {v['per_item']} per item" for k, v in measured.items()))
        return
    with open(arguments.baseline) as handle:
        baseline = json.load(handle)
    failed = False
    for name, now, before, ratio, verdict in compare(measured, baseline):
        if verdict == "changed":
            print(f"instruction-guard: {name}: the archive is not the one the baseline counted "
                  f"({measured[name]['items']} items): re-record with `make instructions-baseline`")
            failed = True
            continue
        print(f"instruction-guard: {name}: {now} instructions per item, baseline {before} ({ratio:.3f}x): {verdict}")
        if verdict == "slower":
            print(f"instruction-guard: {name} is more than {TOLERANCE:.0%} above the baseline: find the cause "
                  f"(callgrind_annotate {os.path.join(arguments.work, name + '.callgrind')}) before this lands")
            failed = True
        elif verdict == "faster":
            print(f"instruction-guard: {name} is faster: re-record the baseline (`make instructions-baseline`) to keep the gain")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
