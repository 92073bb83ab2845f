#!/usr/bin/env python3
"""The archive in a bucket against the same archive in a directory, in one run: etl into a
fresh database, and transform, from Ceph's RADOS Gateway on loopback (scripts/with-rgw.sh)
and from the local directory, interleaved, best of N each. Run inside both services:

    scripts/with-postgres.sh scripts/with-rgw.sh .venv/bin/python bench/s3_bench.py \
        --bin .build/release/goldmane-trail --work out/bench

Prints the ratios and writes <work>/s3-results.json."""
import argparse
import json
import os
import subprocess
import time
import uuid

START = "2026-11-27T00:00:00Z"


def fresh_database():
    name = "s3_" + uuid.uuid4().hex[:10]
    subprocess.run(["createdb", name], check=True)
    env = dict(os.environ)
    env["DATABASE_URL"] = f"postgresql:///{name}?host={os.environ['PGHOST']}&port={os.environ['PGPORT']}&user={os.environ['PGUSER']}"
    return env


def timed(binary, arguments, env):
    started = time.perf_counter()
    result = subprocess.run([binary, *arguments], env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"{binary} {' '.join(arguments)} failed: {result.stderr}")
    return elapsed


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", required=True)
    parser.add_argument("--work", required=True)
    parser.add_argument("--windows", type=int, default=96)
    parser.add_argument("--repeat", type=int, default=3)
    arguments = parser.parse_args()
    import boto3
    from botocore.config import Config

    os.makedirs(arguments.work, exist_ok=True)
    archive = os.path.join(arguments.work, f"s3-{arguments.windows}w")
    if not os.path.isdir(archive):
        subprocess.run([arguments.bin, "samples", "--out", archive, "--start", START, "--windows", str(arguments.windows), "--scale", "4",
                        "--seed", "7"], check=True, capture_output=True)
    s3 = boto3.client("s3", endpoint_url=os.environ["AWS_ENDPOINT_URL"], config=Config(s3={"addressing_style": "path"}))
    bucket = "bench-" + uuid.uuid4().hex[:8]
    s3.create_bucket(Bucket=bucket)
    segments = 0
    size = 0
    for root, _, files in os.walk(archive):
        for name in files:
            path = os.path.join(root, name)
            s3.upload_file(path, bucket, "archive/" + os.path.relpath(path, archive))
            segments += 1
            size += os.path.getsize(path)
    url = f"s3://{bucket}/archive"
    times = {"etl_local": [], "etl_bucket": [], "transform_local": [], "transform_bucket": []}
    for _ in range(arguments.repeat):
        times["etl_local"].append(timed(arguments.bin, ["etl", "--archive", archive], fresh_database()))
        times["etl_bucket"].append(timed(arguments.bin, ["etl", "--archive", url], fresh_database()))
        times["transform_local"].append(timed(arguments.bin, ["transform", archive, "-o", os.path.join(arguments.work, "s3-local.jsonl")],
                                              dict(os.environ)))
        times["transform_bucket"].append(timed(arguments.bin, ["transform", url, "-o", os.path.join(arguments.work, "s3-bucket.jsonl")],
                                               dict(os.environ)))
    best = {key: min(values) for key, values in times.items()}
    with open(os.path.join(arguments.work, "s3-local.jsonl"), "rb") as a, open(os.path.join(arguments.work, "s3-bucket.jsonl"), "rb") as b:
        identical = a.read() == b.read()
    result = {"segments": segments, "bytes": size, "best_seconds": best, "identical_batches": identical,
              "etl_ratio": best["etl_bucket"] / best["etl_local"], "transform_ratio": best["transform_bucket"] / best["transform_local"]}
    with open(os.path.join(arguments.work, "s3-results.json"), "w") as handle:
        json.dump(result, handle, indent=2)
    print(f"S3 archive ({segments} segments, {size / 1e6:.1f} MB, Ceph RGW on loopback), best of {arguments.repeat}: "
          f"etl from the bucket {best['etl_bucket']:.2f} s vs from the directory {best['etl_local']:.2f} s ({result['etl_ratio']:.2f}x); "
          f"transform {best['transform_bucket']:.2f} s vs {best['transform_local']:.2f} s ({result['transform_ratio']:.2f}x); "
          f"batches {'byte-identical' if identical else 'DIFFERENT'}", flush=True)
    if not identical:
        raise SystemExit("the batch from the bucket differs from the directory's")


if __name__ == "__main__":
    main()
