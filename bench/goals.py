#!/usr/bin/env python3
"""`make bench`, the performance goals (run inside scripts/with-postgres.sh, release build):
every row of the table below measured in this run, as a ratio against a baseline measured in
the same run (best of N, interleaved), printed with its goal beside it.

| measure | goal |
|---|---|
| transform / `zstd -dc` of the same files, home-lab shape (samples --scale 4, 40 windows) | <= 2.0x |
| transform / `zstd -dc`, 1M distinct FlowKeys (--distinct-keys 1000000 --items 5000000) | <= 4.0x |
| peak RSS of that transform | <= 300 MiB |
| etl of the home-lab archive into a fresh database / transform of it | <= 3.0x |
| replay of it onto the loaded tables / transform of it | <= 2.0x |

Results go to <work>/goals.json, with each batch's rows_sha256 (to compare batches between
builds: `cmp` the batches, or bench/transform_compare.py).
"""
import argparse
import glob
import json
import os
import subprocess
import uuid

from benchlib import database, run

START = "2026-11-27T00:00:00Z"


def archive(binary, work, name, flags):
    directory = os.path.join(work, name)
    if not os.path.isdir(directory):
        subprocess.run([binary, "samples", "--out", directory, "--start", START, *flags], check=True, stdout=subprocess.DEVNULL)
    return directory, sorted(glob.glob(os.path.join(directory, "**/*.seg"), recursive=True))


def versus_zstd(binary, work, directory, files, repeat):
    batch = os.path.join(work, os.path.basename(directory) + ".jsonl")
    floors, transforms = [], []
    with open(os.devnull, "wb") as null:
        for _ in range(repeat):
            floors.append(run(["zstd", "-dcq", *files], stdout=null)[0])
            transforms.append(run([binary, "transform", directory, "-o", batch]))
    with open(batch) as handle:
        header = json.loads(handle.readline())
    return min(floors), min(t[0] for t in transforms), max(t[1] for t in transforms), header


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", required=True)
    parser.add_argument("--work", required=True)
    parser.add_argument("--repeat", type=int, default=3)
    arguments = parser.parse_args()
    binary = arguments.bin
    os.makedirs(arguments.work, exist_ok=True)

    homelab, homelab_files = archive(binary, arguments.work, "goals-homelab-40w", ["--windows", "40", "--scale", "4", "--seed", "99"])
    keys, keys_files = archive(binary, arguments.work, "goals-1m-keys", ["--distinct-keys", "1000000", "--items", "5000000"])

    floor, transform, _, homelab_header = versus_zstd(binary, arguments.work, homelab, homelab_files, arguments.repeat)
    keys_floor, keys_transform, keys_rss, keys_header = versus_zstd(binary, arguments.work, keys, keys_files, arguments.repeat)

    # etl into a fresh database and replay onto the loaded tables, interleaved with transforms
    # of the same archive.
    etls, replays, transforms = [], [], []
    batch = os.path.join(arguments.work, "goals-homelab-40w.jsonl")
    for _ in range(arguments.repeat):
        name = "goals_" + uuid.uuid4().hex[:10]
        env = database(name)
        try:
            transforms.append(run([binary, "transform", homelab, "-o", batch])[0])
            etls.append(run([binary, "etl", "--archive", homelab], env)[0])
            replays.append(run([binary, "replay", "--archive", homelab], env)[0])
        finally:
            subprocess.run(["dropdb", "--force", name], check=False)
    transform_db = min(transforms)

    rows = [
        ("transform / zstd -dc, home-lab shape", f"{homelab_header['items']['read']:,} items", transform / floor, 2.0, "x"),
        ("transform / zstd -dc, 1M distinct FlowKeys", f"{keys_header['items']['read']:,} items", keys_transform / keys_floor, 4.0, "x"),
        ("peak RSS of that transform", f"{keys_header['wide_rows']:,} wide rows", keys_rss, 300.0, " MiB"),
        ("etl into a fresh database / transform", "home-lab archive", min(etls) / transform_db, 3.0, "x"),
        ("replay onto the loaded tables / transform", "home-lab archive", min(replays) / transform_db, 2.0, "x"),
    ]
    print("| measure | archive | now | goal | met |")
    print("|---|---|---:|---:|---|")
    for measure, what, now, goal, unit in rows:
        print(f"| {measure} | {what} | {now:.2f}{unit} | <= {goal:g}{unit} | {'yes' if now <= goal else 'no'} |", flush=True)
    print(f"(zstd -dc {floor:.3f}s / {keys_floor:.3f}s; transform {transform:.3f}s / {keys_transform:.3f}s; "
          f"etl {min(etls):.3f}s, replay {min(replays):.3f}s against transform {transform_db:.3f}s)")
    result = {
        "rows": [{"measure": m, "archive": w, "now": round(n, 3), "goal": g, "unit": u.strip()} for m, w, n, g, u in rows],
        "rows_sha256": {"homelab": homelab_header["rows_sha256"], "keys": keys_header["rows_sha256"]},
    }
    with open(os.path.join(arguments.work, "goals.json"), "w") as handle:
        json.dump(result, handle, indent=2)


if __name__ == "__main__":
    main()
