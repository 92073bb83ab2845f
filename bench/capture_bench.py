#!/usr/bin/env python3
"""`make bench`, the capture part: sustained capture throughput from the local grpcio
stand-in over mutual TLS (items/s, CPU, peak RSS), next to a minimal Python grpcio client
reading the same replay in the same run (a baseline: the least a consumer can do), and to the
burst a busy Goldmane sends every 15 seconds. Writes <work>/capture-results.json.
"""
import argparse
import glob
import json
import os
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "Tests", "python"))
import certs as certificates  # noqa: E402
from segment_reader import Segment  # noqa: E402

PER_BUCKET = 2000
BUCKETS = 60
BUSY_CLUSTER_ITEMS_PER_DAY = 5_000_000


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def run(command, env=None):
    started = time.perf_counter()
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    out, err = process.stdout.read(), process.stderr.read()
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"bench: {command[0]} failed: {err[-2000:]}")
    return elapsed, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, out


MINIMAL_CLIENT = r'''
import sys, grpc
sys.path.insert(0, sys.argv[5])
from goldmane_standin import FlowStreamRequest
read = lambda p: open(p, "rb").read()
credentials = grpc.ssl_channel_credentials(read(sys.argv[2]), read(sys.argv[3]), read(sys.argv[4]))
channel = grpc.secure_channel(sys.argv[1], credentials, options=[("grpc.ssl_target_name_override", "goldmane.calico-system.svc")])
stream = channel.unary_stream("/goldmane.Flows/Stream", request_serializer=FlowStreamRequest.SerializeToString, response_deserializer=lambda b: b)
request = FlowStreamRequest(start_time_gte=int(sys.argv[6]))
count, end = 0, int(sys.argv[7])
for message in stream(request):
    count += 1
    if count >= end:
        break
print(count)
'''


def capture_once(binary, port, pki, work, start, end, items, tag):
    env = dict(os.environ, GOLDMANE_HOST=f"127.0.0.1:{port}", GOLDMANE_SERVER_NAME="goldmane.calico-system.svc",
               TLS_CERT_PATH=pki["client.crt"], TLS_KEY_PATH=pki["client.key"], CA_CERT_PATH=pki["tigera-ca-bundle.crt"])
    archive = os.path.join(work, f"capture-archive-{tag}-{int(time.time())}")
    seconds, cpu, rss, out = run([binary, "capture", "--archive", archive, "--cluster", "bench",
                                  "--from", str(start), "--to", str(end), "--grace", "1"], env=env)
    assert f": {items} items" in out, out
    [segment] = glob.glob(os.path.join(archive, "**/*.seg"), recursive=True)
    stats = Segment(segment).footer["stats"]
    return {"seconds": seconds, "cpu": cpu, "rss": rss, "received": stats["items_received"], "reads": stats["reads"]}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", required=True)
    parser.add_argument("--baseline-bin", help="a previous build of goldmane-trail, measured in the same run")
    parser.add_argument("--work", required=True)
    arguments = parser.parse_args()
    os.makedirs(arguments.work, exist_ok=True)
    pki = certificates.make_all(os.path.join(arguments.work, "pki"))
    port = free_port()
    here = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "Tests", "python")
    standin = subprocess.Popen([sys.executable, os.path.join(here, "goldmane_standin.py"), "--port", str(port),
                                "--certs", os.path.dirname(pki["goldmane.crt"]), "--items-per-bucket", str(PER_BUCKET)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert standin.stdout.readline().strip() == "ready"
    try:
        now = int(time.time())
        start = (now // 15) * 15 - 2400
        end = start + BUCKETS * 15
        items = PER_BUCKET * BUCKETS
        # Warm the stand-in's cache of encoded buckets.
        run([sys.executable, "-c", MINIMAL_CLIENT, f"127.0.0.1:{port}", pki["tigera-ca.crt"], pki["client.key"],
             pki["client.crt"], here, str(start), str(items)])
        # A window long past: the closing reads replay it (a read that adds nothing confirms it).
        # With a baseline binary, the two run interleaved, best of 2 each by wall time.
        binaries = [("capture", arguments.bin)] + ([("baseline", arguments.baseline_bin)] if arguments.baseline_bin else [])
        measured = {}
        for _round in range(2 if arguments.baseline_bin else 1):
            for name, binary in binaries:
                result = capture_once(binary, port, pki, arguments.work, start, end, items, name)
                if name not in measured or result["seconds"] < measured[name]["seconds"]:
                    measured[name] = result
        mine = measured["capture"]
        received, reads = mine["received"], mine["reads"]
        # The baseline: a minimal Python grpcio client reading the window once, in the same run.
        baseline = [sys.executable, "-c", MINIMAL_CLIENT, f"127.0.0.1:{port}", pki["tigera-ca.crt"], pki["client.key"],
                    pki["client.crt"], here, str(start), str(items)]
        base_seconds, base_cpu, _, _ = run(baseline)
        burst = BUSY_CLUSTER_ITEMS_PER_DAY / (86400 / 15)
        rate = received / mine["seconds"]
        results = {
            "window_items": items, "buckets": BUCKETS, "items_per_bucket": PER_BUCKET,
            **{f"{name}_{key}": round(value, 2) for name, result in measured.items() for key, value in result.items()},
            "capture_items_per_second": round(rate), "capture_cpu_us_per_item": round(mine["cpu"] / received * 1e6, 2),
            "python_client_items": items, "python_client_seconds": round(base_seconds, 2),
            "python_client_items_per_second": round(items / base_seconds),
            "python_client_cpu_us_per_item": round(base_cpu / items * 1e6, 2),
            "busy_goldmane_burst_items": round(burst), "burst_absorbed_in_ms": round(burst / rate * 1000, 1),
        }
        print(f"capture of a {items:,}-item window long past ({BUCKETS} buckets of {PER_BUCKET:,}) over mTLS: {reads} reads, "
              f"{received:,} items received in {mine['seconds']:.2f} s ({rate:,.0f} items/s, {mine['cpu'] / received * 1e6:.1f} us CPU per item, "
              f"{mine['cpu']:.2f} s CPU, peak RSS {mine['rss']:.1f} MiB); a minimal Python grpcio client reads the window once "
              f"({items:,} items) at {items / base_seconds:,.0f} items/s, {base_cpu / items * 1e6:.1f} us CPU per item "
              f"(capture: {(mine['cpu'] / received) / (base_cpu / items):.2f}x its CPU per item). "
              f"A busy Goldmane's burst of ~{burst:,.0f} items per 15 s bucket is absorbed in ~{burst / rate * 1000:.0f} ms.")
        if "baseline" in measured:
            old = measured["baseline"]
            print(f"  baseline build: {old['reads']} reads, {old['received']:,} items received in {old['seconds']:.2f} s, "
                  f"{old['cpu']:.2f} s CPU ({old['cpu'] / old['received'] * 1e6:.1f} us per item), peak RSS {old['rss']:.1f} MiB; "
                  f"this build / baseline: wall {mine['seconds'] / old['seconds']:.2f}x, CPU {mine['cpu'] / old['cpu']:.2f}x, "
                  f"CPU per item received {(mine['cpu'] / received) / (old['cpu'] / old['received']):.2f}x, peak RSS {mine['rss'] / old['rss']:.2f}x")
        with open(os.path.join(arguments.work, "capture-results.json"), "w") as handle:
            json.dump(results, handle, indent=2)
    finally:
        standin.terminate()
        standin.wait()


if __name__ == "__main__":
    main()
