#!/usr/bin/env python3
"""`make bench`: transform throughput on generated archives, against the floor of reading the
archive at all (`zstd -dc` of the same files into /dev/null), measured in the same run; peak
RSS at 1M, 2M and 4M items; archived bytes per item. Release build only (debug decodes ~40x
slower). Results are printed and written to <work>/results.json.
"""
import argparse
import glob
import json
import os
import subprocess

from benchlib import run

START = "2026-11-27T00:00:00Z"
# scale 4 is ~165 namespaces; one 15-minute window then holds about 40 thousand items.
SCALE = 4


def archive(binary, work, windows):
    directory = os.path.join(work, f"archive-{windows}w")
    if not os.path.isdir(directory):
        subprocess.run([binary, "samples", "--out", directory, "--start", START, "--windows", str(windows),
                        "--scale", str(SCALE), "--seed", "99"], check=True, stdout=subprocess.DEVNULL)
    files = sorted(glob.glob(os.path.join(directory, "**/*.seg"), recursive=True))
    return directory, files


def items_in(binary, work, directory):
    batch = os.path.join(work, "count.jsonl")
    subprocess.run([binary, "transform", directory, "-o", batch], check=True, stdout=subprocess.DEVNULL)
    with open(batch) as handle:
        header = json.loads(handle.readline())
    return header["items"]["read"]


DISTINCT_KEYS = 1_000_000
ITEMS = 10_000_000


def high_cardinality(binary, work):
    """A busy cluster's month in one run: 1,000,000 distinct FlowKeys over 10,000,000 items
    (each key in ten buckets). Transform against `zstd -dc` of the same files (best of 2 each,
    interleaved), and peak RSS per distinct key."""
    directory = os.path.join(work, "archive-cardinality")
    if not os.path.isdir(directory):
        subprocess.run([binary, "samples", "--out", directory, "--start", START, "--distinct-keys", str(DISTINCT_KEYS),
                        "--items", str(ITEMS)], check=True, stdout=subprocess.DEVNULL)
    files = sorted(glob.glob(os.path.join(directory, "**/*.seg"), recursive=True))
    batch = os.path.join(work, "batch-cardinality.jsonl")
    floors, transforms = [], []
    with open(os.devnull, "wb") as null:
        for _ in range(2):
            floors.append(run(["zstd", "-dcq", *files], stdout=null))
            transforms.append(run([binary, "transform", directory, "-o", batch]))
    with open(batch) as handle:
        header = json.loads(handle.readline())
    assert header["items"]["read"] == ITEMS, header["items"]
    floor = min(f[0] for f in floors)
    seconds = min(t[0] for t in transforms)
    rss = max(t[1] for t in transforms)
    result = {
        "distinct_keys": DISTINCT_KEYS, "items": ITEMS, "segments": len(files),
        "archive_bytes": sum(os.path.getsize(f) for f in files), "wide_rows": header["wide_rows"],
        "zstd_dc_seconds": round(floor, 3), "transform_seconds": round(seconds, 3), "ratio_to_zstd_dc": round(seconds / floor, 2),
        "transform_peak_rss_mib": round(rss, 1), "peak_rss_bytes_per_distinct_key": round(rss * 1024 * 1024 / DISTINCT_KEYS),
    }
    print(f"high cardinality: {ITEMS:,} items over {DISTINCT_KEYS:,} distinct keys in {len(files)} segments "
          f"({header['wide_rows']:,} wide rows): zstd -dc {floor:.3f}s, transform {seconds:.3f}s ({seconds / floor:.2f}x the floor), "
          f"peak RSS {rss:.1f} MiB ({result['peak_rss_bytes_per_distinct_key']} bytes per distinct key)", flush=True)
    return result


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", required=True)
    parser.add_argument("--work", required=True)
    parser.add_argument("--repeat", type=int, default=5)
    arguments = parser.parse_args()
    os.makedirs(arguments.work, exist_ok=True)
    binary = arguments.bin

    results = {"scale": SCALE, "runs": []}
    for windows in (30, 60, 120):
        directory, files = archive(binary, arguments.work, windows)
        items = items_in(binary, arguments.work, directory)
        size = sum(os.path.getsize(f) for f in files)
        batch = os.path.join(arguments.work, f"batch-{windows}w.jsonl")
        # Interleaved, best of N each: the floor and the transform see the same machine.
        floors, transforms = [], []
        with open(os.devnull, "wb") as null:
            for _ in range(arguments.repeat):
                floors.append(run(["zstd", "-dcq", *files], stdout=null))
                transforms.append(run([binary, "transform", directory, "-o", batch]))
        floor = min(f[0] for f in floors)
        seconds = min(t[0] for t in transforms)
        rss = max(t[1] for t in transforms)
        run_result = {
            "items": items, "segments": len(files), "archive_bytes": size,
            "bytes_per_item": round(size / items, 2),
            "zstd_dc_seconds": round(floor, 3), "transform_seconds": round(seconds, 3),
            "transform_items_per_second": round(items / seconds),
            "ratio_to_zstd_dc": round(seconds / floor, 2), "transform_peak_rss_mib": round(rss, 1),
        }
        results["runs"].append(run_result)
        print(f"{items:>9} items in {len(files):>3} segments, {size / items:5.1f} B/item: "
              f"zstd -dc {floor:6.3f}s, transform {seconds:6.3f}s "
              f"({items / seconds / 1e6:5.2f} M items/s, {seconds / floor:4.2f}x the floor), peak RSS {rss:6.1f} MiB",
              flush=True)
    results["high_cardinality"] = high_cardinality(binary, arguments.work)
    with open(os.path.join(arguments.work, "results.json"), "w") as handle:
        json.dump(results, handle, indent=2)


if __name__ == "__main__":
    main()
