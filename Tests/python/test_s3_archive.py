"""The archive in an S3 bucket, against Ceph's own RADOS Gateway (scripts/with-rgw.sh), with
boto3 as the independent client that puts, lists and reads what goldmane-trail reads and
writes: the samples read from a bucket give the batches and tables the directory gives, a
capture uploads exactly once (also when killed between seal and upload), two captures never
write two objects for one window, and a wrong key is 77 without the secret in any output."""
import os
import signal
import subprocess
import time

import pytest

import certs as certificates
from capture_support import Standin, capture, expected, past_window, records_by_bucket
from conftest import BIN, SAMPLES
from s3_support import Bucket
from segment_reader import Segment


@pytest.fixture
def bucket():
    return Bucket()


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    return certificates.make_all(str(tmp_path_factory.mktemp("pki")))


@pytest.fixture
def standin(tmp_path, pki):
    server = Standin(str(tmp_path), pki)
    yield server
    server.stop()


def trail(*arguments, env=None):
    return subprocess.run([BIN, *arguments], capture_output=True, text=True, env=env or dict(os.environ), timeout=300)


def test_samples_in_a_bucket_give_the_same_batches_and_tables_as_the_directory(bucket, database, tmp_path):
    keys = bucket.upload_tree(SAMPLES, "lab")
    assert len(keys) == 12
    verified = trail("verify", bucket.url("lab"))
    assert verified.returncode == 0, verified.stderr
    assert verified.stdout.count("OK ") == 12
    for key in keys:
        assert f"s3://{bucket.name}/{key}" in verified.stdout

    from_bucket, from_directory = str(tmp_path / "bucket.jsonl"), str(tmp_path / "directory.jsonl")
    assert trail("transform", bucket.url("lab"), "-o", from_bucket).returncode == 0
    assert trail("transform", SAMPLES, "-o", from_directory).returncode == 0
    with open(from_bucket, "rb") as a, open(from_directory, "rb") as b:
        assert a.read() == b.read()

    database.trail("etl", "--archive", bucket.url("lab"))
    loaded_from_bucket = database.dump()
    assert len(loaded_from_bucket["ledger"]) == 12
    other = database.__class__(database.name + "_dir")
    subprocess.run(["createdb", other.name], check=True)
    try:
        other.trail("etl", "--archive", SAMPLES)
        assert other.dump() == loaded_from_bucket
        # A second etl from the bucket loads nothing again.
        again = database.trail("etl", "--archive", bucket.url("lab"))
        assert database.dump() == loaded_from_bucket, again.stderr
    finally:
        subprocess.run(["dropdb", other.name], check=True)


def test_listing_pages_through_thousands_of_objects(bucket, tmp_path):
    # 1,050 other objects sort before the two segments: the segments are on the second page of
    # 1,000 keys, so finding them proves the listing follows its continuation token.
    segments = sorted(os.path.join(root, name) for root, _, files in os.walk(SAMPLES) for name in files)[:2]
    from concurrent.futures import ThreadPoolExecutor
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda index: bucket.s3.put_object(Bucket=bucket.name, Key=f"many/a-notes/{index:04}.json", Body=b"{}"), range(1_050)))
    for path in segments:
        bucket.s3.upload_file(path, bucket.name, "many/lab/2026-11-27/" + os.path.basename(path))
    result = trail("verify", bucket.url("many"))
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("OK ") == 2
    for path in segments:
        assert os.path.basename(path) in result.stdout


def test_a_capture_into_a_bucket_uploads_the_items_once_and_leaves_nothing_behind(bucket, standin, pki, tmp_path):
    staging = str(tmp_path / "staging")
    start, end = past_window(30, 5)
    result = capture(bucket.url("arch"), standin.port, pki, "--staging", staging, "--from", str(start), "--to", str(end))
    assert result.returncode == 0, result.stderr
    [key] = [k for k in bucket.keys("arch/") if k.endswith(".seg")]
    assert key.startswith("arch/lab/")
    assert "uploaded s3://" in result.stderr
    # No lock, nothing staged: the object is the only copy.
    assert bucket.keys("arch/.locks/") == []
    assert [f for _, _, files in os.walk(staging) for f in files if f.endswith(".seg")] == []
    verified = trail("verify", bucket.url("arch"))
    assert verified.returncode == 0, verified.stderr
    local = bucket.download(key, str(tmp_path / "segment.seg"))
    found = records_by_bucket([local])
    assert {b: sorted(r) for b, r in found.items()} == expected(start, end)
    assert Segment(local).footer["coverage"]["captured"] == [{"from": start, "to": end}]
    # A second run finds the window captured, in the bucket: nothing more is written.
    again = capture(bucket.url("arch"), standin.port, pki, "--staging", staging, "--from", str(start), "--to", str(end))
    assert again.returncode == 0, again.stderr
    assert "already covers" in again.stdout
    assert [k for k in bucket.keys("arch/") if k.endswith(".seg")] == [key]


def wait_for(path, process, timeout=120):
    deadline = time.time() + timeout
    while not os.path.exists(path):
        assert process.poll() is None, process.communicate()
        assert time.time() < deadline, "the capture never reached its pause point"
        time.sleep(0.05)


def test_a_kill_between_seal_and_upload_is_uploaded_by_the_next_run(bucket, standin, pki, tmp_path, monkeypatch):
    staging = str(tmp_path / "staging")
    pause = str(tmp_path / "pause")
    start, end = past_window(30, 5)
    monkeypatch.setenv("GOLDMANE_TRAIL_S3_LEASE_SECONDS", "3")
    monkeypatch.setenv("GOLDMANE_TRAIL_PAUSE_AT", "sealed")
    monkeypatch.setenv("GOLDMANE_TRAIL_PAUSE_FILE", pause)
    first = capture(bucket.url("arch"), standin.port, pki, "--staging", staging, "--from", str(start), "--to", str(end), wait=False)
    wait_for(pause, first)
    first.send_signal(signal.SIGKILL)
    first.wait()
    os.remove(pause)
    staged = [os.path.join(root, f) for root, _, files in os.walk(staging) for f in files if f.endswith(".seg")]
    assert len(staged) == 1
    assert [k for k in bucket.keys("arch/") if k.endswith(".seg")] == []
    # The killed run's lock is left; its lease runs out (3 s here) and the next run takes it over.
    assert bucket.keys("arch/.locks/") != []
    time.sleep(3.5)
    monkeypatch.delenv("GOLDMANE_TRAIL_PAUSE_AT")
    second = capture(bucket.url("arch"), standin.port, pki, "--staging", staging, "--from", str(start), "--to", str(end))
    assert second.returncode == 0, second.stderr
    assert "uploaded s3://" in second.stderr
    assert "already covers" in second.stdout
    [key] = [k for k in bucket.keys("arch/") if k.endswith(".seg")]
    found = records_by_bucket([bucket.download(key, str(tmp_path / "segment.seg"))])
    assert {b: sorted(r) for b, r in found.items()} == expected(start, end)
    assert not os.path.exists(staged[0])


def test_an_upload_whose_local_removal_was_cut_short_is_not_uploaded_twice(bucket, standin, pki, tmp_path):
    staging = str(tmp_path / "staging")
    start, end = past_window(30, 5)
    result = capture(bucket.url("arch"), standin.port, pki, "--staging", staging, "--from", str(start), "--to", str(end))
    assert result.returncode == 0, result.stderr
    [key] = [k for k in bucket.keys("arch/") if k.endswith(".seg")]
    # As if the run had died after the put, before removing its staged file.
    restored = os.path.join(staging, key[len("arch/"):])
    os.makedirs(os.path.dirname(restored), exist_ok=True)
    bucket.download(key, restored)
    again = capture(bucket.url("arch"), standin.port, pki, "--staging", staging, "--from", str(start), "--to", str(end))
    assert again.returncode == 0, again.stderr
    assert "was uploaded already (same bytes)" in again.stderr
    assert not os.path.exists(restored)
    # A damaged file in staging is never uploaded (nor anything replaced): it is kept and named.
    with open(restored, "wb") as handle:
        handle.write(open(bucket.download(key, str(tmp_path / "copy.seg")), "rb").read()[:-1] + b"\0")
    original = bucket.get(key)
    damaged = capture(bucket.url("arch"), standin.port, pki, "--staging", staging, "--from", str(start), "--to", str(end))
    assert damaged.returncode == 0, damaged.stderr
    assert restored in damaged.stderr and "not a sound sealed segment" in damaged.stderr
    assert os.path.exists(restored)
    assert bucket.get(key) == original
    assert [k for k in bucket.keys("arch/") if k.endswith(".seg")] == [key]


def test_two_captures_on_one_bucket_never_write_two_objects_for_one_window(bucket, standin, pki, tmp_path, monkeypatch):
    start, end = past_window(30, 5)
    pause = str(tmp_path / "pause")
    monkeypatch.setenv("GOLDMANE_TRAIL_PAUSE_AT", "sealed")
    monkeypatch.setenv("GOLDMANE_TRAIL_PAUSE_FILE", pause)
    first = capture(bucket.url("arch"), standin.port, pki, "--staging", str(tmp_path / "a"), "--from", str(start), "--to", str(end),
                    wait=False)
    wait_for(pause, first)
    monkeypatch.delenv("GOLDMANE_TRAIL_PAUSE_AT")
    # Another pod, its own staging: the lock in the bucket stops it.
    second = capture(bucket.url("arch"), standin.port, pki, "--staging", str(tmp_path / "b"), "--from", str(start), "--to", str(end))
    assert second.returncode == 75, second.stderr
    assert "another capture holds" in second.stderr
    os.remove(pause)
    out, err = first.communicate(timeout=120)
    assert first.returncode == 0, err
    assert len([k for k in bucket.keys("arch/") if k.endswith(".seg")]) == 1
    # Once the first is done, a run finds the window captured.
    third = capture(bucket.url("arch"), standin.port, pki, "--staging", str(tmp_path / "b"), "--from", str(start), "--to", str(end))
    assert third.returncode == 0 and "already covers" in third.stdout, third.stderr
    assert len([k for k in bucket.keys("arch/") if k.endswith(".seg")]) == 1


def test_a_wrong_secret_is_77_and_no_secret_appears(bucket, database, standin, pki, tmp_path, monkeypatch):
    bucket.upload_tree(SAMPLES, "lab")
    real = os.environ["AWS_SECRET_ACCESS_KEY"]
    wrong = "wrong-secret-0123456789abcdefWXYZ"
    env = dict(os.environ, AWS_SECRET_ACCESS_KEY=wrong)
    for arguments in (["verify", bucket.url("lab")], ["transform", bucket.url("lab"), "-o", str(tmp_path / "b.jsonl")],
                      ["health", "--archive", bucket.url("lab"), "--no-database"]):
        result = trail(*arguments, env=env)
        assert result.returncode == 77, (arguments, result.stderr)
        assert bucket.name in result.stderr and "AWS_SECRET_ACCESS_KEY" in result.stderr
        for secret in (wrong, real):
            assert secret not in result.stdout + result.stderr
    result = database.trail("etl", "--archive", bucket.url("lab"), check=False, AWS_SECRET_ACCESS_KEY=wrong)
    assert result.returncode == 77, result.stderr
    assert wrong not in result.stdout + result.stderr and real not in result.stdout + result.stderr
    assert database.psql("SELECT count(*) FROM load_ledger") == [["0"]]
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", wrong)
    start, end = past_window(30, 5)
    captured = capture(bucket.url("arch"), standin.port, pki, "--staging", str(tmp_path / "s"), "--from", str(start), "--to", str(end))
    assert captured.returncode == 77, captured.stderr
    assert wrong not in captured.stdout + captured.stderr and real not in captured.stdout + captured.stderr


def test_missing_bucket_is_78_and_an_unreachable_endpoint_69(tmp_path):
    missing = trail("verify", "s3://no-such-bucket-here/lab")
    assert missing.returncode == 78, missing.stderr
    assert "no-such-bucket-here does not exist" in missing.stderr
    env = dict(os.environ, AWS_ENDPOINT_URL="http://127.0.0.1:9", GOLDMANE_TRAIL_S3_ATTEMPTS="2")
    unreachable = trail("transform", "s3://anything/lab", "-o", str(tmp_path / "x.jsonl"), env=env)
    assert unreachable.returncode == 69, unreachable.stderr
    assert "http://127.0.0.1:9" in unreachable.stderr and "2 attempts" in unreachable.stderr
    unset = trail("verify", "s3://anything/lab", env={k: v for k, v in os.environ.items() if k != "AWS_ACCESS_KEY_ID"})
    assert unset.returncode == 78 and "AWS_ACCESS_KEY_ID not set" in unset.stderr, unset.stderr


@pytest.mark.serial
def test_the_gateway_stopped_mid_etl_loads_nothing_half_and_the_rerun_completes(bucket, database, tmp_path, monkeypatch):
    bucket.upload_tree(SAMPLES, "lab")
    pause = str(tmp_path / "pause")
    env = database.env(GOLDMANE_TRAIL_PAUSE_AT="staged", GOLDMANE_TRAIL_PAUSE_FILE=pause, GOLDMANE_TRAIL_S3_ATTEMPTS="2")
    # One segment per transaction (a chunk of several reads them all before staging any).
    etl = subprocess.Popen([BIN, "etl", "--archive", bucket.url("lab"), "--chunk-items", "1"], env=env, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True)
    wait_for(pause, etl)
    # The first segment is staged in the database; the gateway goes away before the next is read.
    os.kill(int(os.environ["TRAIL_RGW_RADOSGW_PID"]), signal.SIGKILL)
    os.remove(pause)
    out, err = etl.communicate(timeout=120)
    restarted = subprocess.run([os.environ["TRAIL_RGW_RESTART"]], capture_output=True, text=True, check=True).stdout.strip()
    os.environ["TRAIL_RGW_RADOSGW_PID"] = restarted
    assert etl.returncode == 69, err
    assert os.environ["AWS_ENDPOINT_URL"] in err and "2 attempts" in err
    # What loaded is whole: one segment in the ledger, and the tables exactly its rows.
    assert database.psql("SELECT count(*) FROM load_ledger") == [["1"]]
    database.trail("etl", "--archive", bucket.url("lab"))
    other = database.__class__(database.name + "_dir")
    subprocess.run(["createdb", other.name], check=True)
    try:
        other.trail("etl", "--archive", SAMPLES)
        assert database.dump() == other.dump()
    finally:
        subprocess.run(["dropdb", other.name], check=True)


def test_inspect_health_replay_compact_and_prune_work_on_a_bucket(bucket, database, tmp_path):
    keys = bucket.upload_tree(SAMPLES, "lab")
    inspected = trail("inspect", f"s3://{bucket.name}/{keys[0]}")
    assert inspected.returncode == 0, inspected.stderr
    local = trail("inspect", os.path.join(SAMPLES, keys[0][len("lab/"):]))
    assert inspected.stdout.replace(f"s3://{bucket.name}/lab", SAMPLES) == local.stdout

    at = ["--at", "2026-11-27T06:00:00Z", "--max-age", "2h", "--no-database"]
    from_bucket = trail("health", "--archive", bucket.url("lab"), *at)
    from_directory = trail("health", "--archive", SAMPLES, *at)
    assert from_bucket.returncode == from_directory.returncode == 0, from_bucket.stderr
    assert from_bucket.stdout == from_directory.stdout and "archive fresh: cluster homelab" in from_bucket.stdout

    database.trail("etl", "--archive", bucket.url("lab"))
    loaded = database.dump()
    replayed = database.trail("replay", "--archive", bucket.url("lab"))
    assert database.dump() == loaded, replayed.stderr

    # Compact: the day's twelve segments become one day segment in the bucket, the parts deleted.
    compacted = trail("compact", "--archive", bucket.url("lab"), "--staging", str(tmp_path / "staging"), "--before", "2026-12-01T00:00:00Z")
    assert compacted.returncode == 0, compacted.stderr
    segments = [k for k in bucket.keys("lab/") if k.endswith(".seg")]
    assert len(segments) == 1 and "-day-" in segments[0], segments
    assert trail("verify", bucket.url("lab")).returncode == 0
    # Its records are the parts' records: the same edges from it as from the samples.
    from_day, from_samples = str(tmp_path / "day.jsonl"), str(tmp_path / "samples.jsonl")
    assert trail("transform", bucket.url("lab"), "-o", from_day).returncode == 0
    assert trail("transform", SAMPLES, "-o", from_samples).returncode == 0
    rows = lambda path: [line for line in open(path).read().splitlines()[1:]]
    assert rows(from_day) == rows(from_samples)
    # etl records the day segment (its parts are loaded): nothing is counted twice.
    database.trail("etl", "--archive", bucket.url("lab"))
    after = database.dump()
    assert {k: v for k, v in after.items() if k not in ("ledger", "coverage")} == {k: v for k, v in loaded.items() if k not in ("ledger", "coverage")}

    # Prune: the loaded day segment goes; nothing else was there.
    pruned = database.trail("prune", "--archive", bucket.url("lab"), "--before", "2026-12-01T00:00:00Z")
    assert "removed" in pruned.stdout + pruned.stderr
    assert [k for k in bucket.keys("lab/") if k.endswith(".seg")] == []
    assert database.dump() == after


def test_a_window_another_capture_uploaded_first_goes_up_beside_it(bucket, standin, pki, tmp_path, monkeypatch):
    # A run whose segment name another capture took meanwhile (its lease ran out while it was
    # stopped): both are kept, the second under NAME.1.seg, and capture goes on working.
    staging = str(tmp_path / "staging")
    pause = str(tmp_path / "pause")
    start, end = past_window(30, 5)
    monkeypatch.setenv("GOLDMANE_TRAIL_PAUSE_AT", "sealed")
    monkeypatch.setenv("GOLDMANE_TRAIL_PAUSE_FILE", pause)
    first = capture(bucket.url("arch"), standin.port, pki, "--staging", staging, "--from", str(start), "--to", str(end), wait=False)
    wait_for(pause, first)
    [staged] = [os.path.join(root, f) for root, _, files in os.walk(staging) for f in files if f.endswith(".seg")]
    key = "arch/" + os.path.relpath(staged, staging)
    bucket.s3.put_object(Bucket=bucket.name, Key=key, Body=open(staged, "rb").read()[:-1] + b"\0")
    os.remove(pause)
    out, err = first.communicate(timeout=120)
    assert first.returncode == 0, err
    alternate = key[:-len(".seg")] + ".1.seg"
    assert f"uploaded s3://{bucket.name}/{alternate}" in err and "holds another capture of the window" in err
    assert sorted(k for k in bucket.keys("arch/") if k.endswith(".seg")) == sorted([key, alternate])
    assert not os.path.exists(staged)


def test_staging_uploads_only_sound_segments_of_its_own_cluster(bucket, standin, pki, tmp_path):
    staging = tmp_path / "staging"
    junk = staging / "lab" / "2026-12-01" / "junk.seg"
    junk.parent.mkdir(parents=True)
    junk.write_bytes(b"not a segment at all")
    other = staging / "other" / "2026-12-01" / "x.seg"
    other.parent.mkdir(parents=True)
    other.write_bytes(open(sorted(os.path.join(r, f) for r, _, fs in os.walk(SAMPLES) for f in fs)[0], "rb").read())
    start, end = past_window(30, 5)
    result = capture(bucket.url("arch"), standin.port, pki, "--staging", str(staging), "--from", str(start), "--to", str(end))
    assert result.returncode == 0, result.stderr
    assert "junk.seg is not a sound sealed segment" in result.stderr
    keys = [k for k in bucket.keys("arch/") if k.endswith(".seg")]
    assert len(keys) == 1 and keys[0].startswith("arch/lab/") and "junk" not in keys[0]
    assert junk.exists() and other.exists()


def test_keys_with_spaces_plus_and_unicode_are_listed_and_read(bucket, tmp_path):
    segment = sorted(os.path.join(r, f) for r, _, fs in os.walk(SAMPLES) for f in fs)[0]
    names = ["odd/lab/2026-11-27/a b+c.seg", "odd/lab/2026-11-27/caf\u00e9 %41.seg", "odd/lab/2026-11-27/ctl\u0001.seg"]
    for name in names:
        bucket.s3.upload_file(segment, bucket.name, name)
    verified = trail("verify", bucket.url("odd"))
    assert verified.returncode == 0, verified.stderr
    assert verified.stdout.count("OK ") == 3
    for name in names[:2]:
        assert f"s3://{bucket.name}/{name}" in verified.stdout


def test_an_empty_prefix_or_a_bad_spool_stops_the_job_without_blaming_segments(bucket, database, tmp_path):
    bucket.upload_tree(SAMPLES, "lab")
    typo = database.trail("etl", "--archive", bucket.url("typo"), check=False)
    assert typo.returncode == 66 and "no sealed segment under this prefix" in typo.stderr, typo.stderr
    spool = database.trail("etl", "--archive", bucket.url("lab"), check=False, TMPDIR=str(tmp_path / "missing"))
    assert spool.returncode == 74 and "TMPDIR" in spool.stderr, spool.stderr
    assert database.psql("SELECT count(*) FROM load_failures") == [["0"]]
    assert database.psql("SELECT count(*) FROM load_ledger") == [["0"]]
    env = dict(os.environ, AWS_ENDPOINT_URL="http://AKIDX:s3cretpart@127.0.0.1:9")
    credentials = trail("verify", bucket.url("lab"), env=env)
    assert credentials.returncode == 78 and "s3cretpart" not in credentials.stdout + credentials.stderr
