#!/usr/bin/env python3
"""`make bench`, policy-check (run inside scripts/with-postgres.sh, release build): a week of a
busy cluster (672 15-minute windows at scale 6: over 30 million items), loaded by etl; then
`policy-check` of candidate default-deny policies (egress-report --policies) and of one strict
default-deny for every namespace, over the whole week, against `transform` of the same
archive, measured in the same run (best of 3 each, interleaved). Also the rows the check read
and its peak RSS. Then the samples' own Calico policies (samples/policies: tiers, global and
namespaced Calico policies, Kubernetes NetworkPolicies, staged changes; the namespace copies of
scale 6 get copies of their namespace's files, as the generator gives them): the Calico what-if
and `--reproduce`, which must agree on every flow of the week. Writes <work>/policy-results.json.
"""
import argparse
import glob
import re
import shutil
import json
import os
import subprocess
import sys
import uuid

import time


def measured(command, env, allowed=(0,)):
    """Wall seconds, peak RSS (MiB, GNU time), stdout and exit status of one run."""
    started = time.perf_counter()
    result = subprocess.run(["/usr/bin/time", "-f", "%M", *command], env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if result.returncode not in allowed:
        sys.exit(f"bench: {' '.join(command[:3])} failed ({result.returncode}): {result.stderr[-2000:]}")
    return elapsed, int(result.stderr.strip().splitlines()[-1]) / 1024, result.stdout, result.returncode

START = "2026-11-23T00:00:00Z"
END = "2026-11-30T00:00:00Z"
WINDOWS = 7 * 96
SCALE = 6
MIN_ITEMS = 30_000_000
SAMPLE_POLICIES = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "samples", "policies")


def calico_policies(work, observed):
    """samples/policies, with each application namespace's file copied for its copies
    (`nextcloud-2`, ...) that the week holds: only the policies' own namespace changes."""
    target = os.path.join(work, "week-calico-policies")
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(SAMPLE_POLICIES, target)
    for path in sorted(glob.glob(os.path.join(SAMPLE_POLICIES, "namespaces", "*.yaml"))):
        namespace = os.path.basename(path)[:-5]
        with open(path) as handle:
            text = handle.read()
        for copy in range(2, SCALE + 1):
            if f"{namespace}-{copy}" not in observed:
                continue
            cloned = re.sub(rf"^(  namespace: ){re.escape(namespace)}$", rf"\g<1>{namespace}-{copy}", text, flags=re.M)
            with open(os.path.join(target, "namespaces", f"{namespace}-{copy}.yaml"), "w") as handle:
                handle.write(cloned)
    return target


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", required=True)
    parser.add_argument("--work", required=True)
    parser.add_argument("--repeat", type=int, default=3)
    arguments = parser.parse_args()
    binary = arguments.bin
    os.makedirs(arguments.work, exist_ok=True)
    directory = os.path.join(arguments.work, "archive-week")
    if not os.path.isdir(directory):
        subprocess.run([binary, "samples", "--out", directory, "--start", START, "--windows", str(WINDOWS),
                        "--scale", str(SCALE), "--seed", "17"], check=True, stdout=subprocess.DEVNULL)
    files = sorted(glob.glob(os.path.join(directory, "**/*.seg"), recursive=True))

    name = "bench_" + uuid.uuid4().hex[:10]
    subprocess.run(["createdb", name], check=True)
    env = dict(os.environ)
    env["DATABASE_URL"] = f"postgresql:///{name}?host={os.environ['PGHOST']}&port={os.environ['PGPORT']}&user={os.environ['PGUSER']}"
    env["PGDATABASE"] = name
    try:
        etl_seconds = measured([binary, "etl", "--archive", directory], env)[0]
        rows = int(subprocess.run(["psql", "-X", "-A", "-t", "-c", "SELECT count(*) FROM policy_flow"], env=env,
                                  capture_output=True, text=True, check=True).stdout.strip())
        policies = os.path.join(arguments.work, "week-policies")
        subprocess.run([binary, "egress-report", "--policies", policies, "-o", os.devnull], env=env, check=True, capture_output=True)
        strict = os.path.join(arguments.work, "week-strict.yaml")
        namespaces = subprocess.run(["psql", "-X", "-A", "-t", "-c", "SELECT DISTINCT src_ns FROM policy_flow WHERE src_type = 'workload'"],
                                    env=env, capture_output=True, text=True, check=True).stdout.split()
        with open(strict, "w") as handle:
            for namespace in namespaces:
                handle.write(f"---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {{name: deny-all, namespace: {namespace}}}\n"
                             "spec: {podSelector: {}, policyTypes: [Ingress, Egress]}\n")
        observed = set(subprocess.run(["psql", "-X", "-A", "-t", "-c", "SELECT src_ns FROM policy_flow UNION SELECT dst_ns FROM policy_flow"],
                                      env=env, capture_output=True, text=True, check=True).stdout.split())
        calico = calico_policies(arguments.work, observed)
        batch = os.path.join(arguments.work, "week-batch.jsonl")
        transforms, candidates, stricts, whatifs, reproductions = [], [], [], [], []
        for _ in range(arguments.repeat):
            transforms.append(measured([binary, "transform", directory, "-o", batch], env))
            candidates.append(measured([binary, "policy-check", "--policies", policies, "--from", START, "--to", END, "--format", "json"], env, (0, 3)))
            stricts.append(measured([binary, "policy-check", "--policies", strict, "--from", START, "--to", END, "--format", "json"], env, (0, 3)))
            whatifs.append(measured([binary, "policy-check", "--policies", calico, "--from", START, "--to", END, "--format", "json"], env, (0, 3)))
            reproductions.append(measured([binary, "policy-check", "--reproduce", "--policies", calico, "--from", START, "--to", END,
                                           "--format", "json"], env, (0, 3)))
        with open(batch) as handle:
            header = json.loads(handle.readline())
        items = header["items"]["read"]
        if items < MIN_ITEMS:
            sys.exit(f"bench: the week holds {items:,} items, fewer than {MIN_ITEMS:,}")
        transform = min(transforms, key=lambda r: r[0])
        candidate = min(candidates, key=lambda r: r[0])
        strict_run = min(stricts, key=lambda r: r[0])
        whatif = min(whatifs, key=lambda r: r[0])
        reproduction = min(reproductions, key=lambda r: r[0])
        whatif_result = json.loads(whatif[2])
        reproduction_result = json.loads(reproduction[2])
        if reproduction[3] != 0 or reproduction_result["agreed"] != reproduction_result["compared"]:
            sys.exit(f"bench: --reproduce with the samples' policies disagrees: {reproduction_result['disagreements'][:3]} {reproduction_result['undecidable'][:3]}")
        candidate_result = json.loads(candidate[2])
        strict_result = json.loads(strict_run[2])
        result = {
            "items": items, "segments": len(files), "policy_flow_rows": rows, "etl_seconds": round(etl_seconds, 2),
            "transform_seconds": round(transform[0], 3), "transform_peak_rss_mib": round(transform[1], 1),
            "candidates": {"policies": candidate_result["policies"], "flows": candidate_result["evaluated"], "exit": candidate[3],
                           "blocked": len(candidate_result["blocked"]), "seconds": round(candidate[0], 3),
                           "peak_rss_mib": round(candidate[1], 1), "ratio_to_transform": round(candidate[0] / transform[0], 4)},
            "strict": {"policies": strict_result["policies"], "flows": strict_result["evaluated"], "exit": strict_run[3],
                       "blocked": len(strict_result["blocked"]), "seconds": round(strict_run[0], 3),
                       "peak_rss_mib": round(strict_run[1], 1), "ratio_to_transform": round(strict_run[0] / transform[0], 4)},
            "calico_whatif": {"policies": whatif_result["policies"], "flows": whatif_result["evaluated"], "exit": whatif[3],
                              "blocked": len(whatif_result["blocked"]), "seconds": round(whatif[0], 3), "peak_rss_mib": round(whatif[1], 1),
                              "ratio_to_transform": round(whatif[0] / transform[0], 4)},
            "calico_reproduce": {"compared": reproduction_result["compared"], "agreed": reproduction_result["agreed"],
                                 "compared_flows": reproduction_result["compared_flows"], "seconds": round(reproduction[0], 3),
                                 "peak_rss_mib": round(reproduction[1], 1), "ratio_to_transform": round(reproduction[0] / transform[0], 4)},
        }
        print(f"policy-check over a week: {items:,} items in {len(files)} segments, {rows:,} policy_flow rows (etl {etl_seconds:.1f}s); "
              f"transform {transform[0]:.2f}s; policy-check of {result['candidates']['policies']} candidate policies over "
              f"{result['candidates']['flows']:,} distinct flows {candidate[0]:.3f}s ({candidate[0] / transform[0]:.4f}x transform, "
              f"{result['candidates']['blocked']} blocked, exit {candidate[3]}); of {result['strict']['policies']} deny-all policies "
              f"{strict_run[0]:.3f}s ({strict_run[0] / transform[0]:.4f}x transform, {result['strict']['blocked']:,} blocked, exit {strict_run[3]})", flush=True)
        print(f"policy-check with the samples' Calico policies over the week ({whatif_result['policies']} policies, tiers security, platform, default): "
              f"what-if {whatif[0]:.3f}s ({whatif[0] / transform[0]:.4f}x transform, {len(whatif_result['blocked'])} blocked, exit {whatif[3]}); "
              f"--reproduce {reproduction[0]:.3f}s ({reproduction[0] / transform[0]:.4f}x transform): {reproduction_result['agreed']:,} of "
              f"{reproduction_result['compared']:,} flow directions agree, {reproduction_result['compared_flows']:,} flows", flush=True)
        with open(os.path.join(arguments.work, "policy-results.json"), "w") as handle:
            json.dump(result, handle, indent=2)
    finally:
        subprocess.run(["dropdb", "--force", name], check=False)


if __name__ == "__main__":
    main()
