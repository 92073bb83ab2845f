#!/usr/bin/env bash
# Runs each libFuzzer target (built by `make fuzz` into .build-fuzz/release) for SECONDS,
# starting from the committed corpus in Tests/Fixtures/fuzz/<corpus>/. Prints executions,
# corpus size and crashes per target. A crash is copied into the committed corpus, where
# the replayers (run by `make test`) turn it into a regression test, and fails the run.
#   scripts/fuzz.sh SECONDS [OUT] [TARGET]   (TARGET: one of the two; default both, in turn)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-600}
out=${2:-out/fuzz}
status=0
# Swift's backtracer and AddressSanitizer both want the crash: let the sanitizer have it.
export SWIFT_BACKTRACE=enable=no
only=${3:-}
for pair in FuzzSegmentReader:segment-reader FuzzFlowRecord:flow-record; do
  target=${pair%%:*}
  if [ -n "$only" ] && [ "$only" != "$target" ]; then continue; fi
  corpus=${pair##*:}
  work="$out/$target"
  rm -rf "$work"
  mkdir -p "$work/corpus" "$work/artifacts"
  cp Tests/Fixtures/fuzz/"$corpus"/* "$work/corpus/"
  echo "fuzz: $target for ${seconds}s from $(ls Tests/Fixtures/fuzz/$corpus | wc -l) committed inputs"
  set +e
  .build-fuzz/release/"$target" -max_total_time="$seconds" -max_len=16384 -rss_limit_mb=1024 -timeout=10 \
    -artifact_prefix="$work/artifacts/" -print_final_stats=1 "$work/corpus" >"$work/log.txt" 2>&1
  code=$?
  set -e
  executions=$(grep -E '^stat::number_of_executed_units' "$work/log.txt" | awk '{print $2}')
  crashes=$(find "$work/artifacts" -type f | wc -l)
  echo "fuzz: $target: exit $code, ${executions:-?} executions, corpus $(ls "$work/corpus" | wc -l) inputs, $crashes crashes (log: $work/log.txt)"
  if [ "$crashes" -gt 0 ] || [ "$code" -ne 0 ]; then
    status=1
    for crash in "$work"/artifacts/*; do
      [ -f "$crash" ] || continue
      cp "$crash" Tests/Fixtures/fuzz/"$corpus"/
      echo "fuzz: $target: kept $(basename "$crash") in Tests/Fixtures/fuzz/$corpus/ as a regression input"
    done
  fi
done
exit $status
