#!/usr/bin/env python3
"""`make bench`, the load half (run inside scripts/with-postgres.sh, release build):

1. merge of a batch with 100k distinct wide edges (into empty tables, then onto existing
   rows), against a baseline measured in the same run that upserts row by row, one
   autocommitted statement each, as the old aggregator did;
2. etl of a day-sized archive (~5 million items) end to end, against the same item-by-item
   baseline measured on a slice of the same archive's items;
3. a full replay of that archive;
4. the reports on that database (time and peak RSS: what the CronJobs' memory is sized
   from), against psql running the runbook's equivalent query in the same run.
Writes <work>/load-results.json.
"""
import argparse
import glob
import hashlib
import json
import os
import subprocess
import sys
import time
import uuid

START = "2026-11-27T00:00:00Z"


def timed(command, env=None, stdin=None):
    started = time.perf_counter()
    result = subprocess.run(command, env=env, stdin=stdin, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        sys.exit(f"bench: {' '.join(command[:3])} failed ({result.returncode}): {result.stderr[-2000:]}")
    return elapsed, result.stdout


def measured(command, env):
    """Wall seconds, peak RSS (MiB, GNU time) and stdout of one run."""
    started = time.perf_counter()
    result = subprocess.run(["/usr/bin/time", "-f", "%M", *command], env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        sys.exit(f"bench: {' '.join(command[:3])} failed ({result.returncode}): {result.stderr[-2000:]}")
    return elapsed, int(result.stderr.strip().splitlines()[-1]) / 1024, result.stdout


def best(command, env, runs=3):
    return min((measured(command, env) for _ in range(runs)), key=lambda r: r[0])


def fresh_database():
    name = "bench_" + uuid.uuid4().hex[:10]
    subprocess.run(["createdb", name], check=True)
    env = dict(os.environ)
    env["DATABASE_URL"] = f"postgresql:///{name}?host={os.environ['PGHOST']}&port={os.environ['PGPORT']}&user={os.environ['PGUSER']}"
    env["PGDATABASE"] = name
    return name, env


def canonical(obj):
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def synthetic_batch(path, rows, input_hash, offset):
    """An edge batch with `rows` distinct wide edges (and their namespace pairs)."""
    wide, edges = [], {}
    for index in range(rows):
        src, dst = f"ns-{index % 400:03d}", f"ns-{(index * 7 + 1) % 400:03d}"
        row = {"kind": "wide", "src_type": "workload", "src_ns": src, "src_identity": src, "src_workload": f"app-{index // 400}",
               "dst_type": "workload", "dst_ns": dst, "dst_identity": dst, "dst_workload": f"svc-{index % 97}",
               "dst_service": f"{dst}/svc", "dst_port": 8000 + index % 1000, "proto": "tcp", "action": "allow", "reporter": "src",
               "first_seen": 1795737600 + offset, "last_seen": 1795737615 + offset, "flow_count": 3, "connections": 2,
               "packets_in": 10, "packets_out": 12, "bytes_in": 1000, "bytes_out": 1200, "days": ["2026-11-27"]}
        wide.append(row)
        if src != dst:
            key = (src, dst, "allow")
            edge = edges.setdefault(key, {"kind": "edge", "src_ns": src, "dst_ns": dst, "action": "allow", "first_seen": row["first_seen"],
                                          "last_seen": row["last_seen"], "flow_count": 0, "connections": 0, "packets_in": 0,
                                          "packets_out": 0, "bytes_in": 0, "bytes_out": 0})
            for counter in ("flow_count", "connections", "packets_in", "packets_out", "bytes_in", "bytes_out"):
                edge[counter] += row[counter]
    order = ["src_ns", "dst_ns", "action", "src_identity", "dst_identity", "src_type", "dst_type", "src_workload", "dst_workload", "dst_service"]
    wide.sort(key=lambda r: ([r[k].encode() for k in order], r["dst_port"], r["proto"].encode(), r["reporter"].encode()))
    edge_rows = [edges[k] for k in sorted(edges, key=lambda k: [p.encode() for p in k])]
    lines = "".join(canonical(r) + "\n" for r in edge_rows + wide)
    header = {"kind": "batch", "format_version": 1, "transform_version": 1,
              "settings": {"service_identity_label": "service-identity", "service_identity_namespaces": []},
              "inputs": [{"segment": f"synthetic-{offset}.seg", "sha256": input_hash, "cluster": "bench", "capture_id": "bench",
                          "window_start": 1795737600 + offset, "window_end": 1795737615 + offset, "records": rows * 3,
                          "min_start": 1795737600 + offset, "max_end": 1795737615 + offset, "seal": "complete",
                          "coverage": {"captured": [{"from": 1795737600 + offset, "to": 1795737615 + offset}], "gaps": []}}],
              "skipped_inputs": [], "items": {"read": rows * 3, "duplicates": 0, "conflicting_duplicates": 0, "folded": rows * 3},
              "dropped": {"all": {}, "edge": {}}, "edge_rows": len(edge_rows), "wide_rows": len(wide),
              "rows_sha256": hashlib.sha256(lines.encode()).hexdigest()}
    with open(path, "w") as handle:
        handle.write(canonical(header) + "\n" + lines)
    return wide


def quote(text):
    return "'" + text.replace("'", "''") + "'"


def row_by_row_sql(path, rows):
    """The old aggregator's way: one autocommitted upsert per item."""
    with open(path, "w") as handle:
        for r in rows:
            handle.write(
                "INSERT INTO edge (src_ns, dst_ns, action, first_seen, last_seen, flow_count) VALUES "
                f"({quote(r[0])}, {quote(r[1])}, {quote(r[2])}, to_timestamp({r[3]}), to_timestamp({r[4]}), 1) "
                "ON CONFLICT (src_ns, dst_ns, action) DO UPDATE SET last_seen = GREATEST(edge.last_seen, EXCLUDED.last_seen), "
                "flow_count = edge.flow_count + 1;\n")


def baseline(binary, rows, work):
    name, env = fresh_database()
    subprocess.run([binary, "migrate"], env=env, check=True, capture_output=True)
    sql = os.path.join(work, "row-by-row.sql")
    row_by_row_sql(sql, rows)
    seconds, _ = timed(["psql", "-X", "-q", "-f", sql], env=env)
    return seconds


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", required=True)
    parser.add_argument("--work", required=True)
    parser.add_argument("--windows", type=int, default=150)
    parser.add_argument("--baseline-items", type=int, default=100_000)
    arguments = parser.parse_args()
    binary, work = arguments.bin, arguments.work
    os.makedirs(work, exist_ok=True)
    results = {}

    # 1. Merge of 100k distinct wide edges.
    first, second = os.path.join(work, "merge-1.jsonl"), os.path.join(work, "merge-2.jsonl")
    wide = synthetic_batch(first, 100_000, "a" * 64, 0)
    synthetic_batch(second, 100_000, "b" * 64, 15)
    name, env = fresh_database()
    subprocess.run([binary, "migrate"], env=env, check=True, capture_output=True)
    insert_seconds, _ = timed([binary, "load", first], env=env)
    merge_seconds, _ = timed([binary, "load", second], env=env)
    items = [(r["src_ns"], r["dst_ns"], r["action"], r["first_seen"], r["last_seen"]) for r in wide]
    row_seconds = baseline(binary, items, work)
    results["merge_100k_wide_edges"] = {
        "load_into_empty_seconds": round(insert_seconds, 2), "load_onto_existing_seconds": round(merge_seconds, 2),
        "row_by_row_seconds": round(row_seconds, 2), "speedup_vs_row_by_row": round(row_seconds / merge_seconds, 1)}
    print(f"merge of 100,000 wide edges: {insert_seconds:.2f}s into empty tables, {merge_seconds:.2f}s onto existing rows; "
          f"row-by-row upserts of the same rows {row_seconds:.2f}s ({row_seconds / merge_seconds:.0f}x slower)", flush=True)

    # 2. A day-sized archive, end to end.
    archive = os.path.join(work, f"day-{arguments.windows}w")
    if not os.path.isdir(archive):
        subprocess.run([binary, "samples", "--out", archive, "--start", START, "--windows", str(arguments.windows), "--scale", "4",
                        "--seed", "5"], check=True, capture_output=True)
    segments = sorted(glob.glob(os.path.join(archive, "**/*.seg"), recursive=True))
    name, env = fresh_database()
    etl_seconds, etl_rss, output = measured([binary, "etl", "--archive", archive], env=env)
    total_items = sum(int(line.split(": ")[1].split(" items")[0]) for line in output.splitlines() if line.startswith("loaded "))
    # The baseline's items: the first segments' records, normalised as `edge` keys (by the
    # transform's own rules, through a batch of each segment's rows is not item by item, so
    # read the items themselves).
    sample_items = []
    for segment in segments:
        records = subprocess.run([binary, "inspect", "--records", segment], capture_output=True, text=True, check=True).stdout
        for line in records.splitlines():
            flow = json.loads(line)["flow_result"]["flow"]
            key = flow["Key"]
            src, dst = key.get("source_namespace", "-"), key.get("dest_namespace", "-")
            if src in ("", "-") or dst in ("", "-") or src == dst:
                continue
            sample_items.append((src, dst, key.get("action", "ActionUnspecified").lower().replace("actionunspecified", "unspecified"),
                                 int(flow["start_time"]), int(flow["end_time"])))
            if len(sample_items) >= arguments.baseline_items:
                break
        if len(sample_items) >= arguments.baseline_items:
            break
    row_seconds = baseline(binary, sample_items, work)
    baseline_rate = len(sample_items) / row_seconds
    etl_rate = total_items / etl_seconds
    results["etl_day_archive"] = {
        "items": total_items, "segments": len(segments), "etl_seconds": round(etl_seconds, 1),
        "etl_items_per_second": round(etl_rate), "row_by_row_items_measured": len(sample_items),
        "row_by_row_seconds": round(row_seconds, 2), "row_by_row_items_per_second": round(baseline_rate),
        "speedup_vs_row_by_row": round(etl_rate / baseline_rate, 1)}
    print(f"etl of {total_items:,} items in {len(segments)} segments: {etl_seconds:.1f}s ({etl_rate:,.0f} items/s); "
          f"row-by-row upserts: {baseline_rate:,.0f} items/s on {len(sample_items):,} of the same items "
          f"({etl_rate / baseline_rate:.0f}x slower than etl)", flush=True)

    # 3. A full replay of the same archive.
    replay_seconds, _ = timed([binary, "replay", "--archive", archive], env=env)
    results["replay_day_archive_seconds"] = round(replay_seconds, 1)
    print(f"replay of the same archive ({total_items:,} items): {replay_seconds:.1f}s", flush=True)

    # 4. Reports on the loaded archive, each against psql running the runbook's query.
    end = subprocess.run(["psql", "-X", "-A", "-t", "-c", "SELECT extract(epoch FROM max(data_end))::bigint FROM load_ledger"],
                         env=env, capture_output=True, text=True, check=True).stdout.strip()
    psql = ["psql", "-X", "-A", "-t", "-c"]
    cases = [
        ("digest (dry run, 24h)", [binary, "digest", "--at", end, "--dry-run"],
         psql + [f"SELECT src_ns, dst_ns, action, flow_count, first_seen FROM edge WHERE first_seen > to_timestamp({end}) - interval '24 hours' ORDER BY first_seen DESC"]),
        ("egress-report (markdown)", [binary, "egress-report"],
         psql + ["SELECT src_ns, array_agg(DISTINCT dst_ns ORDER BY dst_ns) FROM edge WHERE action = 'allow' GROUP BY src_ns ORDER BY src_ns"]),
        ("query adjacency", [binary, "query", "adjacency"], psql + ["SELECT src_ns, dst_ns, action, flow_count FROM edge ORDER BY src_ns, dst_ns"]),
        ("graph (dot)", [binary, "graph"], psql + ["SELECT src_ns, dst_ns, action, flow_count FROM edge ORDER BY src_ns, dst_ns"]),
        ("health", [binary, "health", "--archive", archive, "--at", end], psql + ["SELECT max(data_end) FROM load_ledger"]),
    ]
    results["reports"] = {}
    for name, command, baseline_command in cases:
        seconds, rss, _ = best(command, env)
        base_seconds, base_rss, _ = best(baseline_command, env)
        results["reports"][name] = {"seconds": round(seconds, 3), "peak_rss_mib": round(rss, 1),
                                    "psql_seconds": round(base_seconds, 3), "ratio_to_psql": round(seconds / base_seconds, 2)}
        print(f"{name}: {seconds:.3f}s, peak RSS {rss:.1f} MiB; psql with the runbook's query {base_seconds:.3f}s "
              f"({seconds / base_seconds:.1f}x)", flush=True)
    results["etl_day_archive"]["peak_rss_mib"] = round(etl_rss, 1)
    print(f"etl peak RSS: {etl_rss:.1f} MiB", flush=True)

    with open(os.path.join(work, "load-results.json"), "w") as handle:
        json.dump(results, handle, indent=2)


if __name__ == "__main__":
    main()
