"""Capture against the independent Python stand-in, over real mutual TLS with openssl-made
certificates: exactly once, across a forced reset, tiling consecutive windows, naming TLS
failures, and recovering after SIGKILL."""
import glob
import os
import signal
import time

import pytest

import certs as certificates
from capture_support import Standin, capture, expected, free_port, past_window, records_by_bucket, segments
from segment_reader import Segment
import prometheus_text


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    return certificates.make_all(str(tmp_path_factory.mktemp("pki")))


@pytest.fixture
def standin(tmp_path, pki):
    server = Standin(str(tmp_path), pki)
    yield server
    server.stop()


def test_replayed_items_are_captured_exactly_once(tmp_path, standin, pki):
    archive = str(tmp_path / "archive")
    start, end = past_window(30, 10)
    result = capture(archive, standin.port, pki, "--from", str(start), "--to", str(end))
    assert result.returncode == 0, result.stderr
    [segment] = segments(archive)
    found = records_by_bucket([segment])
    assert {b: sorted(r) for b, r in found.items()} == expected(start, end)
    sent = [s for s in standin.sent() if start <= s["bucket"] < end]
    footer = Segment(segment).footer
    # The closing re-read replays the window again: every copy beyond the first is counted.
    assert len(sent) - sum(len(r) for r in found.values()) == footer["stats"]["duplicates_dropped"]
    assert footer["coverage"]["captured"] == [{"from": start, "to": end}]
    assert footer["coverage"]["gaps"] == []
    assert footer["seal"] == "complete"


def test_a_forced_stream_reset_loses_nothing_and_duplicates_nothing(tmp_path, pki):
    server = Standin(str(tmp_path), pki, reset_after=25)
    try:
        archive = str(tmp_path / "archive")
        start, end = past_window(40, 15)
        metrics_file = str(tmp_path / "capture.prom")
        result = capture(archive, server.port, pki, "--from", str(start), "--to", str(end), "--metrics-file", metrics_file)
        assert result.returncode == 0, result.stderr
        [segment] = segments(archive)
        found = records_by_bucket([segment])
        assert {b: sorted(r) for b, r in found.items()} == expected(start, end)
        stats = Segment(segment).footer["stats"]
        assert stats["reconnects"] >= 1
        assert stats["duplicates_dropped"] >= 1  # the bucket being received is replayed again
        # The metrics file says the same as the segment's footer.
        metrics = prometheus_text.read(metrics_file)
        assert metrics["goldmane_trail_items_captured"]["capture"] == sum(len(r) for r in found.values())
        assert metrics["goldmane_trail_duplicates_dropped"]["capture"] == stats["duplicates_dropped"]
        assert metrics["goldmane_trail_reconnects"]["capture"] == stats["reconnects"]
        assert metrics["goldmane_trail_segments_sealed"]["capture"] == 1
        assert metrics["goldmane_trail_gap_seconds"]["capture"] == 0
        assert metrics["goldmane_trail_last_run_success"]["capture"] == 1
        streams = {s["stream"] for s in server.sent()}
        assert len(streams) >= 2
    finally:
        server.stop()


def test_consecutive_windows_tile_time_with_live_items(tmp_path, standin, pki):
    archive = str(tmp_path / "archive")
    first = capture(archive, standin.port, pki, "--window", "1m")
    assert first.returncode == 0, first.stderr
    second = capture(archive, standin.port, pki, "--window", "1m")
    assert second.returncode == 0, second.stderr
    paths = segments(archive)
    assert len(paths) == 2
    headers = [Segment(p).header for p in paths]
    assert headers[0]["window_end"] == headers[1]["window_start"]
    start, end = headers[0]["window_start"], headers[1]["window_end"]
    found = records_by_bucket(paths)
    assert {b: sorted(r) for b, r in found.items()} == expected(start, end)
    for path in paths:
        assert Segment(path).footer["coverage"]["gaps"] == []


@pytest.mark.parametrize("case", ["wrong-ca", "foreign-client-certificate", "wrong-server-name"])
def test_tls_failures_are_named_and_leave_no_segment(tmp_path, standin, pki, case):
    archive = str(tmp_path / "archive")
    start, end = past_window(30, 1)
    arguments = {"wrong-ca": dict(ca=pki["other-ca.crt"]),
                 "foreign-client-certificate": dict(cert=pki["stranger.crt"], key=pki["stranger.key"]),
                 "wrong-server-name": dict(server_name="goldmane.example.com")}[case]
    result = capture(archive, standin.port, pki, "--from", str(start), "--to", str(end), **arguments)
    assert result.returncode == 76, result.stderr
    message = {"wrong-ca": "unknown certificate authority", "foreign-client-certificate": "client certificate rejected",
               "wrong-server-name": "server name mismatch"}[case]
    assert message in result.stderr
    if case == "wrong-server-name":
        assert "goldmane.calico-system.svc" in result.stderr  # the names to use
        assert "goldmane.example.com" in result.stderr
    assert segments(archive) == []
    assert glob.glob(os.path.join(archive, "**/*.partial"), recursive=True) == []


def test_connection_refused_is_named(tmp_path, pki):
    archive = str(tmp_path / "archive")
    start, end = past_window(30, 1)
    # The window is in the past: its deadline has passed, so the capture gives up at once.
    result = capture(archive, free_port(), pki, "--from", str(start), "--to", str(end))
    assert result.returncode == 69, result.stderr
    assert "connection refused" in result.stderr
