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
