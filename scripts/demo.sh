#!/usr/bin/env bash
# `make demo`, inside scripts/with-postgres.sh: the pipeline on samples/ against a throwaway
# PostgreSQL, then the runbook's queries.
set -euo pipefail
bin=${GOLDMANE_TRAIL_BIN:-.build/debug/goldmane-trail}
out=${OUT:-out}
mkdir -p "$out"

echo "== verify the sample archive"
"$bin" verify samples/archive > "$out/demo-verify.txt"
tail -n 2 "$out/demo-verify.txt"
echo
echo "== transform: samples/archive -> $out/demo-batch.jsonl"
"$bin" transform samples/archive -o "$out/demo-batch.jsonl"
"$bin" summary "$out/demo-batch.jsonl" > "$out/demo-summary.txt"
head -n 12 "$out/demo-summary.txt"
echo "  ... (the whole summary: $out/demo-summary.txt)"
echo
echo "== etl: load every sealed segment into the throwaway PostgreSQL"
"$bin" etl --archive samples/archive > "$out/demo-etl.txt"
tail -n 1 "$out/demo-etl.txt"
echo
echo "== the runbook's queries, verbatim, with <ns> = dbaas (first rows of each)"
python3 - <<'PY'
import re, subprocess
text = open("Tests/Fixtures/runbook-queries.sql").read().split("\n\n", 1)[1]
for statement in re.split(r";\s*$", text, flags=re.M):
    if "SELECT" not in statement:
        continue
    sql = statement.strip().replace("<ns>", "dbaas") + ";"
    print(sql)
    output = subprocess.run(["psql", "-X", "-P", "pager=off", "-c", sql], capture_output=True, text=True, check=True).stdout.splitlines()
    shown = output[:12] + (["    ..."] + output[-2:] if len(output) > 14 else output[12:])
    print("\n".join(shown) + "\n")
PY
echo "== digest (dry run: SLACK_WEBHOOK_URL is empty), at the end of the samples"
SLACK_WEBHOOK_URL= "$bin" digest --at 2026-11-27T04:30:00Z --max-edges 8 > "$out/demo-digest.json"
python3 - "$out/demo-digest.json" <<'PY'
import json, sys
message = json.load(open(sys.argv[1]))
for block in message["blocks"]:
    if block["type"] == "header":
        print("  " + block["text"]["text"])
    elif block["type"] == "section":
        print("  " + block["text"]["text"].replace("\n", "\n  "))
    elif block["type"] == "context":
        print("  " + " ".join(e["text"] for e in block["elements"]))
print(f"  (the Slack payload: {sys.argv[1]})")
PY
echo
echo "== egress report: $out/egress-report.md, $out/egress-report.json, policies in $out/policies/"
"$bin" egress-report -o "$out/egress-report.md" --policies "$out/policies"
"$bin" egress-report --format json -o "$out/egress-report.json"
sed -n '/^## `crowdsec`/,/^## `dbaas`/p' "$out/egress-report.md" | head -n -1
echo
echo "== policy-check: the candidate policies against every flow observed as allowed in the samples"
status=0
"$bin" policy-check --policies "$out/policies" --from 2026-11-27T00:00:00Z --to 2026-11-28T00:00:00Z -o "$out/policy-check.md" || status=$?
sed -n '/^## Summary/,$p' "$out/policy-check.md" | tail -n +3
echo "  exit $status (0: nothing observed would be blocked; 3: some would). The whole check: $out/policy-check.md"
echo
echo "== the namespace map: $out/map.dot$(command -v dot >/dev/null && echo " and $out/map.svg")"
"$bin" graph -o "$out/map.dot"
if command -v dot >/dev/null; then "$bin" graph --format svg -o "$out/map.svg"; else echo "  (install Graphviz for the SVG)"; fi
echo
cat <<NEXT
== what next
  The outputs are in $out/: demo-batch.jsonl (the edge batch) and demo-summary.txt,
  demo-digest.json (the Slack payload), egress-report.md and .json, policies/ (candidate
  NetworkPolicies, never applied), policy-check.md (what they would block), map.dot$(command -v dot >/dev/null && echo " and map.svg").
  The throwaway PostgreSQL is removed when the demo ends; samples/archive is untouched.

  The real path, as the CronJobs run it (release build: make release):
    # capture the next 15-minute window from Goldmane over mutual TLS into ./archive
    make capture ARCHIVE=archive    # GOLDMANE_HOST, TLS_CERT_PATH, TLS_KEY_PATH, CA_CERT_PATH
    # transform and load every new sealed segment into your database (or libpq's PG* variables)
    export DATABASE_URL='postgresql://trail@db.example:5432/trail'
    make etl ARCHIVE=archive
    make health ARCHIVE=archive     # exit 2 when the trail is stale
    make digest DRY_RUN=1           # the Slack digest, printed (SLACK_WEBHOOK_URL posts it)
    # before merging a NetworkPolicy change: what would it block of the last 14 days?
    .build/release/goldmane-trail policy-check --policies k8s/netpol/ --namespaces namespaces.yaml
  In Kubernetes: kubectl apply -k deploy/ (create the Secrets first: docs/operations.md#kubernetes).
  Every command: .build/debug/goldmane-trail --help; every target: make help.
NEXT
