"""Capture under faults: local TLS mistakes (named, exit 78, nothing written), a server whose
certificate expired, SIGKILL at random moments and SIGTERM (coverage claims exactly what was
written; a rerun fills the rest, nothing twice), a run killed before it wrote anything (no
wedge), and a disk that fills at every write of a capture, then frees (no wedge)."""
import glob
import os
import random
import signal
import subprocess
import time

import pytest

import certs as certificates
from capture_support import Standin, capture, expected, past_window, records_by_bucket, segments
from goldmane_standin import FlowResult
from segment_reader import Segment


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    directory = str(tmp_path_factory.mktemp("pki"))
    paths = certificates.make_all(directory)
    paths.update(certificates.make_faulty(directory))
    return paths


@pytest.fixture
def standin(tmp_path, pki):
    server = Standin(str(tmp_path), pki)
    yield server
    server.stop()


def leftovers(archive):
    return sorted(glob.glob(os.path.join(archive, "**/*"), recursive=True))


def archive_items(archive):
    """(FlowKey bytes, bucket) -> how many times the archive's segments hold it."""
    counts = {}
    for path in segments(archive):
        for record in Segment(path).records_by_footer():
            message = FlowResult.FromString(record)
            key = (message.flow.Key.SerializeToString(deterministic=True), message.flow.start_time)
            counts[key] = counts.get(key, 0) + 1
    return counts


def captured_union(archive):
    ranges = sorted((r["from"], r["to"]) for path in segments(archive) for r in Segment(path).footer["coverage"]["captured"])
    merged = []
    for start, end in ranges:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def assert_exactly_once(archive, start, end):
    """Every item of [start, end) is in the archive exactly once, the captured coverage is the
    whole range, and every segment's captured buckets hold all their items."""
    counts = archive_items(archive)
    assert all(count == 1 for count in counts.values()), "an item is in two segments: etl would count it twice"
    found = records_by_bucket(segments(archive))
    assert {b: sorted(r) for b, r in found.items() if start <= b < end} == expected(start, end)
    assert captured_union(archive) == [(start, end)]
    for path in segments(archive):
        footer = Segment(path).footer
        buckets = {FlowResult.FromString(r).flow.start_time for r in Segment(path).records_by_footer()}
        for gap in footer["coverage"]["gaps"]:
            code = gap["reason"].split(":")[0]
            if code in ("stream_down", "interrupted", "buffer_full", "message_too_large"):
                # A refillable gap holds no items: its refill brings them.
                assert not [b for b in buckets if gap["from"] <= b < gap["to"]], (path, gap)


@pytest.mark.parametrize("case", ["expired-client", "not-yet-valid-client", "key-mismatch", "corrupt-ca-block", "cut-ca-bundle"])
def test_a_local_tls_mistake_is_configuration_named_at_once_and_leaves_nothing(tmp_path, standin, pki, case):
    archive = str(tmp_path / "archive")
    start, end = past_window(20, 5)
    arguments = {"expired-client": dict(cert=pki["expired-client.crt"], key=pki["expired-client.key"]),
                 "not-yet-valid-client": dict(cert=pki["future-client.crt"], key=pki["future-client.key"]),
                 "key-mismatch": dict(key=pki["stranger.key"]),
                 "corrupt-ca-block": dict(ca=pki["corrupt-bundle.crt"]), "cut-ca-bundle": dict(ca=pki["cut-bundle.crt"])}[case]
    began = time.time()
    result = capture(archive, standin.port, pki, "--from", str(start), "--to", str(end), **arguments)
    assert result.returncode == 78, result.stderr
    assert time.time() - began < 10, "a local mistake is not retried as if the network had failed"
    message = {"expired-client": "expired on", "not-yet-valid-client": "is not valid until",
               "key-mismatch": "does not match the certificate", "corrupt-ca-block": "certificate 2 of 3 in the CA bundle does not parse",
               "cut-ca-bundle": "has no -----END CERTIFICATE-----"}[case]
    assert message in result.stderr
    assert leftovers(archive) == []
    assert not [s for s in standin.sent()], "nothing was asked of Goldmane"


def test_an_expired_server_certificate_is_named(tmp_path, pki):
    server = Standin(str(tmp_path), pki, flags=["--server-pair", "expired-goldmane"])
    try:
        archive = str(tmp_path / "archive")
        start, end = past_window(20, 5)
        result = capture(archive, server.port, pki, "--from", str(start), "--to", str(end))
        assert result.returncode == 76, result.stderr
        assert "Goldmane's certificate is past its validity" in result.stderr
        assert leftovers(archive) == []
    finally:
        server.stop()


def test_sigkill_at_random_moments_then_reruns_lose_nothing_and_double_nothing(tmp_path, standin, pki):
    archive = str(tmp_path / "archive")
    start, end = past_window(25, 10)
    rng = random.Random(7)
    for attempt in range(6):
        process = capture(archive, standin.port, pki, "--from", str(start), "--to", str(end), wait=False)
        time.sleep(rng.uniform(0.0, 4.0))
        process.send_signal(signal.SIGKILL)
        process.wait()
    result = capture(archive, standin.port, pki, "--from", str(start), "--to", str(end))
    assert result.returncode == 0, result.stderr
    assert_exactly_once(archive, start, end)
    assert not glob.glob(os.path.join(archive, "**/*.partial"), recursive=True)
    # Rerunning a window that is whole is a no-op, not an error.
    again = capture(archive, standin.port, pki, "--from", str(start), "--to", str(end))
    assert again.returncode == 0, again.stderr
    assert "already covers that window" in again.stdout
    assert_exactly_once(archive, start, end)


def test_sigterm_seals_what_was_confirmed_and_a_rerun_fills_the_rest(tmp_path, standin, pki):
    archive = str(tmp_path / "archive")
    now = int(time.time())
    start = (now // 15) * 15 - 180
    end = (now // 15) * 15 + 30  # still open: the capture reads live when the signal comes
    process = capture(archive, standin.port, pki, "--from", str(start), "--to", str(end), wait=False)
    time.sleep(3)
    process.send_signal(signal.SIGTERM)
    out, err = process.communicate(timeout=60)
    assert process.returncode == 143, err
    [segment] = segments(archive)
    footer = Segment(segment).footer
    assert footer["seal"] == "interrupted"
    assert footer["coverage"]["captured"] == []
    assert [g["reason"].split(":")[0] for g in footer["coverage"]["gaps"]] == ["interrupted"]
    assert footer["record_count"] == 0  # claims exactly what it wrote: nothing
    # Once the window has closed, a rerun of the same command fills it (a segment of its own).
    time.sleep(max(0, end + 15 + 3 - time.time()))
    result = capture(archive, standin.port, pki, "--from", str(start), "--to", str(end))
    assert result.returncode == 0, result.stderr
    assert len(segments(archive)) == 2
    assert_exactly_once(archive, start, end)


def test_a_window_run_killed_before_it_wrote_anything_does_not_wedge_the_next(tmp_path, standin, pki):
    archive = str(tmp_path / "archive")
    first = capture(archive, standin.port, pki, "--window", "1m", wait=False)
    time.sleep(1.5)
    first.send_signal(signal.SIGKILL)
    first.wait()
    second = capture(archive, standin.port, pki, "--window", "1m")
    assert second.returncode == 0, second.stderr
    assert len(segments(archive)) >= 1


def fill(directory, leave_free):
    """Fills the file system of `directory` but `leave_free` bytes."""
    stat = os.statvfs(directory)
    free = stat.f_bavail * stat.f_frsize
    with open(os.path.join(directory, "filler"), "wb") as handle:
        handle.write(b"\0" * max(0, free - leave_free))


def test_a_disk_full_at_every_write_then_freed_never_wedges(tmp_path, pki):
    mount = tmp_path / "disk"
    mount.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mount)], capture_output=True).returncode != 0:
        pytest.skip("cannot mount a tmpfs here (needs root): the full-disk test needs a small file system")
    server = Standin(str(tmp_path), pki, flags=["--items-per-bucket", "40"])
    try:
        archive = str(mount / "archive")
        start, end = past_window(20, 10)
        outcomes = []
        # From no room at all (the header) to almost enough (frames, the footer, the rename).
        for leave_free in [0, 4096, 8192, 16384, 32768, 49152]:
            fill(str(mount), leave_free)
            result = capture(archive, server.port, pki, "--from", str(start), "--to", str(end))
            outcomes.append(result.returncode)
            if result.returncode != 0:
                assert result.returncode == 74, result.stderr
                assert "No space left on device" in result.stderr
                assert not glob.glob(os.path.join(archive, "**/*.partial"), recursive=True)
            os.remove(str(mount / "filler"))
            if result.returncode == 0:
                break
        assert 74 in outcomes, "the disk never filled: make the window bigger"
        result = capture(archive, server.port, pki, "--from", str(start), "--to", str(end))
        assert result.returncode == 0, result.stderr
        counts = archive_items(archive)
        assert all(count == 1 for count in counts.values())
        assert captured_union(archive) == [(start, end)]
    finally:
        server.stop()
        subprocess.run(["umount", str(mount)], capture_output=True)


def test_a_second_capture_on_the_same_archive_waits_its_turn(tmp_path, standin, pki):
    archive = str(tmp_path / "archive")
    first = capture(archive, standin.port, pki, "--window", "1m", wait=False)
    try:
        time.sleep(1.5)
        start, end = past_window(20, 5)
        second = capture(archive, standin.port, pki, "--from", str(start), "--to", str(end))
        assert second.returncode == 75, second.stderr
        assert "another capture is running" in second.stderr
    finally:
        first.send_signal(signal.SIGTERM)
        first.communicate(timeout=60)
    assert first.returncode == 143
    # The first one's segment is whole and verified: the second touched nothing.
    for path in segments(archive):
        assert Segment(path).footer["seal"] in ("interrupted", "complete")


class RollingGoldmane:
    """A Goldmane in a rollout, in front of the stand-in: the first `closures` connections finish
    the TLS handshake (client certificate checked) and are then closed, as a pod going away does;
    later connections are passed through to the stand-in untouched."""

    def __init__(self, target_port, pki, closures):
        import socket
        import ssl
        import threading
        self.closed = 0
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(16)
        self.port = self.listener.getsockname()[1]
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(pki["goldmane.crt"], pki["goldmane.key"])
        context.load_verify_locations(pki["tigera-ca.crt"])
        context.verify_mode = ssl.CERT_REQUIRED
        context.set_alpn_protocols(["h2"])

        def pipe(source, sink):
            try:
                while data := source.recv(65536):
                    sink.sendall(data)
            except OSError:
                pass
            finally:
                for end in (source, sink):
                    try:
                        end.shutdown(socket.SHUT_RDWR)
                    except OSError:
                        pass

        def serve():
            while True:
                try:
                    client, _ = self.listener.accept()
                except OSError:
                    return
                if self.closed < closures:
                    self.closed += 1
                    try:
                        context.wrap_socket(client, server_side=True).close()
                    except (OSError, ssl.SSLError):
                        client.close()
                    continue
                upstream = socket.create_connection(("127.0.0.1", target_port))
                threading.Thread(target=pipe, args=(client, upstream), daemon=True).start()
                threading.Thread(target=pipe, args=(upstream, client), daemon=True).start()

        threading.Thread(target=serve, daemon=True).start()

    def stop(self):
        self.listener.close()


def test_a_connection_closed_after_the_handshake_in_a_rollout_is_retried_not_called_a_rejection(tmp_path, standin, pki):
    """During a Goldmane rollout the old pod can close a connection right after the TLS handshake,
    exactly as TLS 1.3 reports a rejected client certificate. Twice is a rollout: retried, the
    window captured whole. (Every time is a rejection: test_capture's foreign certificate, 76.)"""
    rolling = RollingGoldmane(standin.port, pki, closures=2)
    try:
        archive = str(tmp_path / "archive")
        start, end = past_window(30, 2)
        result = capture(archive, rolling.port, pki, "--from", str(start), "--to", str(end))
        assert result.returncode == 0, result.stderr
        assert rolling.closed == 2
        assert "client certificate rejected" not in result.stderr
        assert "right after the TLS handshake" in result.stderr
        assert_exactly_once(archive, start, end)
    finally:
        rolling.stop()
