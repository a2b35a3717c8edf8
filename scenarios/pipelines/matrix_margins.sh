#!/bin/bash
# Peak RSS of each correct mode and anti-pattern under each allocator, on inputs of the
# sizes (from memgate gen) and with the budgets of tests/integration/pipelines_memgate_test.cc
# (the allocator matrix):
# the margins its rss-budget gates decide by. Prints the docs/pipelines.md table.
# Usage: scenarios/pipelines/matrix_margins.sh BUILD_DIR
set -eu
build=$(cd "${1:?usage: matrix_margins.sh BUILD_DIR}" && pwd)
memgate=$build/harness/cli/memgate
bin=$build/scenarios/pipelines
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
"$memgate" gen --out s.trace --rate 4000 --duration 30s --bad-fraction 0.01 >/dev/null 2>&1
jq -r .line s.trace > all.jsonl
head -60000 all.jsonl > s60k.jsonl
head -80000 all.jsonl > s80k.jsonl
"$memgate" gen --out od.trace --payload od_pairs --pairs 8000 --chunk 500 --rate 2 --duration 8s >/dev/null 2>&1
jq -r .line od.trace > od8k.jsonl
peak() {  # allocator command-line
  "$memgate" run --quiet --no-plot --hz 20 --allocator "$1" --plateau none --out run -- sh -c "exec $2" >/dev/null 2>&1 || true
  jq -r '(.summary.rss.peak / 1048576 * 10 | floor) / 10' run/report.json
  rm -rf run spill od.sqlite*
}
slow="$bin/sensor_ingest --consumers 2 --consumer-delay-ms 0.02 --spill-timeout-ms 0.5"
echo '| allocator | window_aggregate correct / accumulate (budget 32) | sensor_ingest correct / keep_geometries (32) | slow consumers: correct / unbounded_queue (30) | batch_router correct / accumulate (16) |'
echo '|---|---|---|---|---|'
for a in glibc jemalloc mimalloc tcmalloc; do
  echo "| $a | $(peak $a "$bin/window_aggregate --window 2000 < s60k.jsonl") / $(peak $a "$bin/window_aggregate --antipattern accumulate < s60k.jsonl")" \
       "| $(peak $a "$bin/sensor_ingest --spill-dir spill < s60k.jsonl") / $(peak $a "$bin/sensor_ingest --antipattern keep_geometries < s60k.jsonl")" \
       "| $(peak $a "$slow --spill-dir spill < s80k.jsonl") / $(peak $a "$slow --antipattern unbounded_queue < s80k.jsonl")" \
       "| $(peak $a "$bin/batch_router --fail-rate 0.1 --db od.sqlite < od8k.jsonl") / $(peak $a "$bin/batch_router --antipattern accumulate --db od.sqlite < od8k.jsonl") |"
done
