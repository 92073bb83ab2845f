"""Operations: `make help`, the Kubernetes manifests against the Kubernetes schemas, the
alert rules against the metrics the jobs write, metrics files (parsed with prometheus-client)
and the Pushgateway push, `health` on fresh and stale trails, log formats, the progress bar."""
import glob
import http.server
import json
import os
import pty
import re
import shutil
import subprocess
import threading

import pytest
import yaml

import prometheus_text
from conftest import BIN, ROOT, SAMPLES

DEPLOY = os.path.join(ROOT, "deploy", "base")
KUBERNETES = "1.32.0"
# The end of the samples' data.
SAMPLES_END = "2026-11-27T04:30:00Z"


# --- make help ------------------------------------------------------------------------------

def test_make_help_lists_every_job():
    output = subprocess.run(["make", "-s", "help"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    listed = {line.split()[0]: line for line in output.splitlines() if line.strip()}
    for target in ["capture", "etl", "replay", "digest", "egress-report", "health", "demo", "test", "bench", "proto", "samples",
                   "check-deploy"]:
        assert target in listed, f"make help does not list {target}"
        assert len(listed[target].split(None, 1)[1]) > 10, f"{target} has no description"


# --- manifests ------------------------------------------------------------------------------

def rendered_manifests(kubectl=True):
    """The kustomize base as kubectl renders it; without kubectl, its resources with the
    base's namespace and image applied (the base has no patches)."""
    if kubectl and shutil.which("kubectl"):
        text = subprocess.run(["kubectl", "kustomize", DEPLOY], capture_output=True, text=True, check=True).stdout
        return [doc for doc in yaml.safe_load_all(text) if doc]
    with open(os.path.join(DEPLOY, "kustomization.yaml")) as handle:
        kustomization = yaml.safe_load(handle)
    image = kustomization["images"][0]
    documents = []
    for resource in kustomization["resources"]:
        with open(os.path.join(DEPLOY, resource)) as handle:
            for doc in yaml.safe_load_all(handle):
                if doc["kind"] != "Namespace":
                    doc["metadata"]["namespace"] = kustomization["namespace"]
                for container in doc.get("spec", {}).get("jobTemplate", {}).get("spec", {}).get("template", {}).get("spec", {}).get("containers", []):
                    container["image"] = f"{image['newName']}:{image['newTag']}"
                documents.append(doc)
    return documents


@pytest.mark.parametrize("kubectl", [True, False], ids=["kustomize", "files"])
def test_manifests_validate_against_the_kubernetes_schemas(kubectl):
    import kubernetes_validate

    documents = rendered_manifests(kubectl)
    kinds = sorted(doc["kind"] for doc in documents)
    assert kinds == ["ConfigMap", "CronJob", "CronJob", "CronJob", "CronJob", "Namespace", "PersistentVolumeClaim", "ServiceAccount"]
    for doc in documents:
        kubernetes_validate.validate(doc, KUBERNETES, strict=True)
        if doc["kind"] != "Namespace":
            assert doc["metadata"]["namespace"] == "goldmane-trail"
        for container in doc.get("spec", {}).get("jobTemplate", {}).get("spec", {}).get("template", {}).get("spec", {}).get("containers", []):
            assert container["image"] == "ghcr.io/goldmane-trail/goldmane-trail:0.1.0"


def cronjobs():
    return {doc["metadata"]["name"]: doc for doc in rendered_manifests() if doc["kind"] == "CronJob"}


def test_cronjobs_are_scheduled_and_bounded_as_the_runbook_needs():
    jobs = cronjobs()
    capture, etl, digest = jobs["goldmane-trail-capture"], jobs["goldmane-trail-etl"], jobs["goldmane-trail-digest"]
    assert capture["spec"]["schedule"] == "*/15 * * * *" and capture["spec"]["concurrencyPolicy"] == "Forbid"
    assert etl["spec"]["concurrencyPolicy"] == "Forbid"
    spec = digest["spec"]
    assert (spec["schedule"], spec["timeZone"], spec["concurrencyPolicy"]) == ("0 8 * * *", "Europe/London", "Forbid")
    job = spec["jobTemplate"]["spec"]
    assert (job["backoffLimit"], job["activeDeadlineSeconds"], job["ttlSecondsAfterFinished"]) == (2, 300, 86400)
    # The archive is a PersistentVolumeClaim mounted by capture (read-write) and etl (read-only).
    for cronjob, read_only in ((capture, False), (etl, True)):
        pod = cronjob["spec"]["jobTemplate"]["spec"]["template"]["spec"]
        claim = [v for v in pod["volumes"] if "persistentVolumeClaim" in v]
        assert claim and claim[0]["persistentVolumeClaim"]["claimName"] == "goldmane-trail-archive"
        mount = next(m for m in pod["containers"][0]["volumeMounts"] if m["name"] == claim[0]["name"])
        assert mount.get("readOnly", False) == read_only
        assert pod["containers"][0]["args"][pod["containers"][0]["args"].index("--archive") + 1] == mount["mountPath"]
    # Secrets come from Secrets, never from the ConfigMap.
    config = next(doc for doc in rendered_manifests() if doc["kind"] == "ConfigMap")["data"]
    assert "DATABASE_URL" not in config and "SLACK_WEBHOOK_URL" not in config
    env = {e["name"]: e for e in digest["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"][0]["env"]}
    assert env["DATABASE_URL"]["valueFrom"]["secretKeyRef"]["name"] == "goldmane-trail-db"
    assert env["SLACK_WEBHOOK_URL"]["valueFrom"]["secretKeyRef"]["name"] == "goldmane-trail-slack"


@pytest.mark.skipif(not shutil.which("kubectl"), reason="kustomize overlays need kubectl")
def test_the_s3_overlay_runs_every_job_against_the_bucket_with_no_archive_volume(tmp_path):
    import kubernetes_validate

    text = subprocess.run(["kubectl", "kustomize", os.path.join(ROOT, "deploy", "overlays", "s3")], capture_output=True, text=True,
                          check=True).stdout
    documents = [doc for doc in yaml.safe_load_all(text) if doc]
    for doc in documents:
        kubernetes_validate.validate(doc, KUBERNETES, strict=True)
    claims = [doc["metadata"]["name"] for doc in documents if doc["kind"] == "PersistentVolumeClaim"]
    assert claims == ["goldmane-trail-staging"]
    config = next(doc for doc in documents if doc["kind"] == "ConfigMap")["data"]
    assert config["ARCHIVE_URL"].startswith("s3://") and "AWS_SECRET_ACCESS_KEY" not in config and "AWS_ACCESS_KEY_ID" not in config
    jobs = {doc["metadata"]["name"]: doc for doc in documents if doc["kind"] == "CronJob"}
    env = dict(os.environ, DATABASE_URL=f"postgresql:///none?host={tmp_path}", TLS_CERT_PATH=str(tmp_path / "missing.crt"),
               GOLDMANE_HOST="127.0.0.1:1")
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_ENDPOINT_URL"):
        env.pop(key, None)
    seen = set()
    for name, cronjob in jobs.items():
        pod = cronjob["spec"]["jobTemplate"]["spec"]["template"]["spec"]
        assert not any(v.get("persistentVolumeClaim", {}).get("claimName") == "goldmane-trail-archive" for v in pod["volumes"]), name
        for container in pod.get("initContainers", []) + pod["containers"]:
            arguments = [re.sub(r"\$\((\w+)\)", lambda m: config[m.group(1)], a) for a in container["args"]]
            if "--archive" not in arguments:
                continue
            seen.add(arguments[0])
            assert arguments[arguments.index("--archive") + 1] == config["ARCHIVE_URL"]
            # The bucket's keys come from the Secret, beside the ConfigMap.
            assert {"secretRef": {"name": "goldmane-trail-s3"}} in container["envFrom"], (name, container["name"])
            arguments = [str(tmp_path / "scratch") if a.startswith("/var/lib/goldmane-trail") else a for a in arguments]
            result = subprocess.run([BIN, *arguments], env=env, capture_output=True, text=True, timeout=60)
            # Parsed, then stopped at the missing keys (78) or the missing database (69), never a
            # usage error (64); prune while KEEP_DAYS is 0 (off) needs nothing.
            if arguments[-2:] == ["--keep-days", "0"]:
                assert result.returncode == 0, result.stderr
                continue
            assert result.returncode in (69, 78), f"{name}: {arguments} exited {result.returncode}: {result.stderr}"
            assert result.returncode == 69 or "AWS_ACCESS_KEY_ID" in result.stderr
    assert seen == {"capture", "etl", "compact", "prune"}


def test_capture_mounts_the_certificates_where_capture_looks_for_them():
    pod = cronjobs()["goldmane-trail-capture"]["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    mounts = {m["name"]: m["mountPath"] for m in pod["containers"][0]["volumeMounts"]}
    volumes = {v["name"]: v for v in pod["volumes"]}
    source = open(os.path.join(ROOT, "Sources/Capture/GoldmaneEndpoint.swift")).read()
    defaults = dict(re.findall(r'static let default(CertificatePath|KeyPath|CAPath) = "([^"]+)"', source))
    assert os.path.dirname(defaults["CertificatePath"]) == mounts["goldmane-client-tls"] == "/etc/goldmane-client-tls"
    assert os.path.dirname(defaults["KeyPath"]) == mounts["goldmane-client-tls"]
    assert defaults["CAPath"] == "/etc/tigera-ca/tigera-ca-bundle.crt" and mounts["tigera-ca"] == "/etc/tigera-ca"
    assert volumes["goldmane-client-tls"]["secret"]["secretName"] == "goldmane-client-tls"
    assert volumes["tigera-ca"]["configMap"]["name"] == "tigera-ca-bundle"


def test_every_container_command_line_parses(tmp_path):
    """Each CronJob's arguments, run for real with unreachable dependencies: a usage error
    (exit 64) would mean the manifests name a flag the binary does not have."""
    env = dict(os.environ, DATABASE_URL=f"postgresql:///none?host={tmp_path}", SLACK_WEBHOOK_URL="",
               TLS_CERT_PATH=str(tmp_path / "missing.crt"), GOLDMANE_HOST="127.0.0.1:1")
    config = next(doc for doc in rendered_manifests() if doc["kind"] == "ConfigMap")["data"]
    for name, cronjob in cronjobs().items():
        pod = cronjob["spec"]["jobTemplate"]["spec"]["template"]["spec"]
        for container in pod.get("initContainers", []) + pod["containers"]:
            # $(NAME) is the ConfigMap's value, as Kubernetes expands it.
            arguments = [str(tmp_path / "archive") if a.startswith("/var/lib/goldmane-trail") else re.sub(r"\$\((\w+)\)", lambda m: config[m.group(1)], a)
                         for a in container["args"]]
            os.makedirs(tmp_path / "archive", exist_ok=True)
            result = subprocess.run([BIN, *arguments], env=env, capture_output=True, text=True, timeout=60)
            # compact of an empty archive, and prune while KEEP_DAYS is 0 (off), need nothing and succeed.
            expected = (0,) if arguments[0] == "compact" or arguments[-2:] == ["--keep-days", "0"] else (69, 78)
            assert result.returncode in expected, f"{name}: {arguments} exited {result.returncode}: {result.stderr}"


# --- alert rules and metrics ----------------------------------------------------------------

def alert_rules():
    with open(os.path.join(ROOT, "deploy", "alerts", "goldmane-trail.rules.yaml")) as handle:
        return yaml.safe_load(handle)["groups"][0]["rules"]


def test_alert_rules_cover_stale_capture_stale_etl_and_a_failing_digest():
    rules = {rule["alert"]: rule for rule in alert_rules()}
    for name in ("GoldmaneTrailCaptureStale", "GoldmaneTrailEtlStale", "GoldmaneTrailDigestFailing"):
        assert name in rules
    for rule in rules.values():
        assert rule["labels"]["severity"] in ("info", "warning", "critical")
        assert rule["annotations"]["summary"] and rule["annotations"]["description"]
        assert rule["expr"].count("(") == rule["expr"].count(")")


def test_every_job_writes_metrics_that_parse_and_the_alerts_use_only_those(database, archive, tmp_path):
    written = {}

    def job(command, *arguments, check=True, **env):
        path = str(tmp_path / f"{command}.prom")
        result = database.trail(command, *arguments, "--metrics-file", path, check=check, **env)
        written[command] = prometheus_text.read(path)
        return result

    job("transform", SAMPLES, "-o", str(tmp_path / "batch.jsonl"))
    job("load", str(tmp_path / "batch.jsonl"))
    job("etl", "--archive", archive)
    job("replay", "--archive", archive)
    job("digest", "--at", SAMPLES_END, SLACK_WEBHOOK_URL="")
    job("egress-report", "-o", str(tmp_path / "report.md"))
    job("health", "--archive", archive, "--at", SAMPLES_END, "--max-age", "1h")

    assert written["transform"]["goldmane_trail_items_loaded"]["transform"] == 60164
    assert written["load"]["goldmane_trail_segments_loaded"]["load"] == 12
    etl = written["etl"]
    assert etl["goldmane_trail_segments_skipped"]["etl"] == 12 and etl["goldmane_trail_segments_loaded"]["etl"] == 0
    assert etl["goldmane_trail_newest_data_timestamp_seconds"]["etl"] == 1795753800
    replay = written["replay"]
    assert replay["goldmane_trail_edges_loaded"]["replay"] == 129 and replay["goldmane_trail_wide_edges_loaded"]["replay"] == 365
    assert written["digest"]["goldmane_trail_digest_new_edges"]["digest"] == 129
    assert written["digest"]["goldmane_trail_digest_posts"]["digest"] == 0  # a dry run posts nothing
    assert written["health"]["goldmane_trail_health_fresh"]["health"] == 1
    for command, values in written.items():
        assert values["goldmane_trail_last_run_success"][command] == 1
        assert values["goldmane_trail_last_run_exit_code"][command] == 0
        assert values["goldmane_trail_last_success_timestamp_seconds"][command] == values["goldmane_trail_last_run_timestamp_seconds"][command]

    # Every metric an alert names is one the jobs write.
    names = {name for values in written.values() for name in values} | {
        "goldmane_trail_items_captured", "goldmane_trail_gap_seconds", "goldmane_trail_duplicates_dropped",
        "goldmane_trail_segments_sealed", "goldmane_trail_segments_recovered", "goldmane_trail_reconnects"}  # capture: test_capture
    for rule in alert_rules():
        for metric in re.findall(r"goldmane_trail_[a-z_]+", rule["expr"]):
            assert metric in names, f"{rule['alert']} uses {metric}, which no job writes"


def test_a_failed_run_keeps_the_last_success_time(database, archive, tmp_path):
    path = str(tmp_path / "etl.prom")
    database.trail("etl", "--archive", archive, "--metrics-file", path)
    first = prometheus_text.read(path)
    success = first["goldmane_trail_last_success_timestamp_seconds"]["etl"]
    failed = subprocess.run([BIN, "etl", "--archive", archive, "--metrics-file", path],
                            env=dict(os.environ, DATABASE_URL=f"postgresql:///none?host={tmp_path}"), capture_output=True, text=True)
    assert failed.returncode == 69
    second = prometheus_text.read(path)
    assert second["goldmane_trail_last_run_success"]["etl"] == 0
    assert second["goldmane_trail_last_run_exit_code"]["etl"] == 69
    assert second["goldmane_trail_last_success_timestamp_seconds"]["etl"] == success
    assert not glob.glob(str(tmp_path / ".*.tmp"))


def test_metrics_are_pushed_to_the_pushgateway(database, archive):
    received = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            received.append((self.path, self.headers.get("Content-Type"), self.rfile.read(int(self.headers["Content-Length"])).decode()))
            self.send_response(202)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}"
        database.trail("etl", "--archive", archive, PUSHGATEWAY_URL=url)
        failed = subprocess.run([BIN, "etl", "--archive", archive], capture_output=True, text=True,
                                env=dict(os.environ, PUSHGATEWAY_URL=url, DATABASE_URL="postgresql:///none?host=/nonexistent"))
        assert failed.returncode == 69
    finally:
        server.shutdown()
    assert [path for path, _, _ in received] == ["/metrics/job/goldmane-trail/command/etl"] * 2
    assert received[0][1].startswith("text/plain")
    ok, bad = (prometheus_text.parse(body) for _, _, body in received)
    assert ok["goldmane_trail_segments_loaded"]["etl"] == 12 and ok["goldmane_trail_last_run_success"]["etl"] == 1
    # A failed run's push leaves the Pushgateway's last success time alone (POST replaces only what it sends).
    assert bad["goldmane_trail_last_run_success"]["etl"] == 0
    assert "goldmane_trail_last_success_timestamp_seconds" not in bad


# --- health ---------------------------------------------------------------------------------

def test_health_is_fresh_just_after_the_samples_and_stale_later(database, archive):
    database.trail("etl", "--archive", archive)
    fresh = database.trail("health", "--archive", archive, "--at", "2026-11-27T04:40:00Z", "--max-age", "30m", check=False)
    assert fresh.returncode == 0, fresh.stderr
    assert "archive fresh: cluster homelab" in fresh.stdout and "database fresh: cluster homelab" in fresh.stdout
    assert "ends 2026-11-27T04:30:00Z, 10m ago (max 30m)" in fresh.stdout

    stale = database.trail("health", "--archive", archive, "--at", "2026-11-27T07:45:00Z", "--max-age", "30m", check=False)
    assert stale.returncode == 2
    assert "archive STALE: cluster homelab" in stale.stdout and "3h15m ago" in stale.stdout
    assert "capture has sealed nothing since 2026-11-27T04:30:00Z" in stale.stdout
    assert "database STALE" in stale.stdout
    # Against the real clock the samples are days old.
    assert database.trail("health", "--archive", archive, check=False).returncode == 2


def test_health_names_what_is_stale_when_only_one_side_is(database, archive, tmp_path):
    # The archive has a newer segment than the database holds: etl is behind.
    older = sorted(glob.glob(os.path.join(archive, "**/*.seg"), recursive=True))
    for path in older[-4:]:
        shutil.move(path, tmp_path)
    database.trail("etl", "--archive", archive)
    for name in os.listdir(tmp_path):
        if name.endswith(".seg"):
            shutil.move(str(tmp_path / name), os.path.dirname(older[-1]))
    result = database.trail("health", "--archive", archive, "--at", "2026-11-27T04:40:00Z", "--max-age", "30m", check=False)
    assert result.returncode == 2
    assert "archive fresh" in result.stdout
    assert "database STALE: cluster homelab: the newest loaded data ends 2026-11-27T03:30:00Z, 1h10m ago" in result.stdout


def test_health_on_an_empty_database_and_a_missing_archive(database, tmp_path):
    empty = database.trail("health", check=False)
    assert empty.returncode == 2 and "nothing was ever loaded" in empty.stdout
    database.trail("migrate")
    assert "nothing loaded yet" in database.trail("health", check=False).stdout
    missing = database.trail("health", "--archive", str(tmp_path / "nope"), "--no-database", check=False)
    assert missing.returncode == 66
    os.makedirs(tmp_path / "empty")
    none = database.trail("health", "--archive", str(tmp_path / "empty"), "--no-database", check=False)
    assert none.returncode == 2 and "no sealed segment" in none.stdout


# --- logs and progress ----------------------------------------------------------------------

def test_logs_are_logfmt_by_default_and_json_on_request(database, tmp_path):
    database.trail("migrate")
    result = database.trail("egress-report", "--policies", str(tmp_path / "p"), "-o", str(tmp_path / "r.md"))
    [line] = [l for l in result.stderr.splitlines() if "NetworkPolicies" in l]
    assert re.match(r'^time=\d{4}-\d\d-\d\dT[\d:.]+Z level=info msg="wrote 0 candidate NetworkPolicies to .*" command=egress-report$', line), line
    result = database.trail("egress-report", "--log-format", "json", "--policies", str(tmp_path / "p"), "-o", str(tmp_path / "r.md"))
    records = [json.loads(l) for l in result.stderr.splitlines()]
    assert any(r["level"] == "info" and r["command"] == "egress-report" and "NetworkPolicies" in r["msg"] for r in records)
    result = database.trail("egress-report", "-o", str(tmp_path / "r.md"), GOLDMANE_TRAIL_LOG_FORMAT="json")
    assert all(json.loads(l)["level"] for l in result.stderr.splitlines())
    assert database.trail("etl", "--archive", str(tmp_path), "--log-format", "xml", check=False).returncode == 64


def test_progress_bar_only_on_a_terminal(tmp_path):
    # Not a terminal: nothing but log lines.
    plain = subprocess.run([BIN, "transform", SAMPLES, "-o", str(tmp_path / "a.jsonl")], capture_output=True, text=True, check=True)
    assert "\r" not in plain.stderr and "[#" not in plain.stderr
    # A terminal (a pseudo-terminal as standard error): the bar is drawn, then cleared.
    leader, follower = pty.openpty()
    process = subprocess.Popen([BIN, "transform", SAMPLES, "-o", str(tmp_path / "b.jsonl")], stdout=subprocess.PIPE,
                               stderr=follower, env=dict(os.environ, TERM="xterm"))
    os.close(follower)
    seen = b""
    while True:
        try:
            chunk = os.read(leader, 4096)
        except OSError:
            break
        if not chunk:
            break
        seen += chunk
    process.wait(timeout=120)
    os.close(leader)
    assert process.returncode == 0
    text = seen.decode(errors="replace")
    assert "transform [" in text and "%" in text
    assert text.endswith("\r\x1b[K")  # cleared when done
    assert open(tmp_path / "a.jsonl").read() == open(tmp_path / "b.jsonl").read()
