"""Helpers shared by the capture tests: the stand-in process, running `goldmane-trail capture`
against it over mutual TLS, and reading what it sealed."""
import glob
import os
import socket
import subprocess
import sys
import time

from conftest import BIN
from goldmane_standin import FlowResult, items_for_bucket, read_log
from segment_reader import Segment

HERE = os.path.dirname(os.path.abspath(__file__))


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Standin:
    """goldmane_standin.py in its own process. `flags` are its mode flags (see its docstring)."""

    def __init__(self, directory, pki, reset_after=None, flags=()):
        self.port = free_port()
        self.log = os.path.join(directory, f"standin-{self.port}.jsonl")
        self.flags = [str(flag) for flag in flags] + (["--reset-after", str(reset_after)] if reset_after else [])
        command = [sys.executable, os.path.join(HERE, "goldmane_standin.py"), "--port", str(self.port),
                   "--certs", os.path.dirname(pki["goldmane.crt"]), "--log", self.log, *self.flags]
        self.process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        assert self.process.stdout.readline().strip() == "ready", self.process.stderr.read()

    def sent(self):
        """Every item sent, in order (event lines left out)."""
        return read_log(self.log)[0]

    def events(self):
        return read_log(self.log)[1]

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def capture(archive, port, pki, *arguments, ca=None, cert=None, key=None, server_name="goldmane.calico-system.svc", wait=True,
            timeout=300):
    env = {k: v for k, v in os.environ.items() if k not in ("GOLDMANE_HOST", "GOLDMANE_SERVER_NAME")}
    env.update({"GOLDMANE_HOST": f"127.0.0.1:{port}", "TLS_CERT_PATH": cert or pki["client.crt"],
                "TLS_KEY_PATH": key or pki["client.key"], "CA_CERT_PATH": ca or pki["tigera-ca-bundle.crt"]})
    if server_name:
        env["GOLDMANE_SERVER_NAME"] = server_name
    command = [BIN, "capture", "--archive", archive, "--cluster", "lab", "--grace", "3", *arguments]
    if not wait:
        return subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=timeout)


def segments(archive):
    return sorted(glob.glob(os.path.join(archive, "**/*.seg"), recursive=True))


def records_by_bucket(paths):
    found = {}
    for path in paths:
        for record in Segment(path).records_by_footer():
            message = FlowResult.FromString(record)
            found.setdefault(message.flow.start_time, []).append(record)
    return found


def expected(start, end):
    return {bucket: sorted(data for _, data in items_for_bucket(bucket)) for bucket in range(start, end, 15)}


def past_window(minutes_ago, length_minutes):
    now = int(time.time())
    start = (now // 900) * 900 - minutes_ago * 60
    start -= start % 15
    return start, start + length_minutes * 60
