#!/bin/sh
# Prints the docs/pipelines.md figures table: records/s and peak RSS per pipeline,
# correct mode vs anti-pattern, on inputs from `memgate gen` (glibc malloc).
# Usage: scenarios/pipelines/figures.sh BUILD_DIR
set -eu
build=${1:?usage: figures.sh BUILD_DIR}
bin=$build/scenarios/pipelines
memgate=$build/harness/cli/memgate
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$memgate" gen --out "$work/s.trace" --rate 2000 --duration 100s --bad-fraction 0.01 2>/dev/null
jq -r .line "$work/s.trace" > "$work/sensors.jsonl"
for pairs in 10000 100000; do
  "$memgate" gen --out "$work/od.trace" --payload od_pairs --pairs $pairs --chunk 500 --rate 2 --duration $((pairs / 1000))s 2>/dev/null
  jq -r .line "$work/od.trace" > "$work/od$pairs.jsonl"
done
row() {  # name mode input command...
  name=$1 mode=$2 input=$3
  shift 3
  line=$("$@" < "$input" | tail -1)
  printf '| %s | %s | %s | %s | %s |\n' "$name" "$mode" \
    "$(echo "$line" | jq -r '.received')" \
    "$(echo "$line" | jq -r 'if .records_per_s then (.records_per_s|floor) else "\(.units_per_s*100|floor/100) units/s" end')" \
    "$(echo "$line" | jq -r '(.peak_rss_bytes/1048576*10|floor)/10')"
}
echo '| pipeline | mode | records | records/s | peak RSS MiB |'
echo '|---|---|---|---|---|'
row sensor_ingest correct "$work/sensors.jsonl" "$bin/sensor_ingest" --spill-dir "$work/spill"
row sensor_ingest keep_geometries "$work/sensors.jsonl" "$bin/sensor_ingest" --antipattern keep_geometries --spill-dir "$work/spill"
row sensor_ingest "correct, slow consumers" "$work/sensors.jsonl" "$bin/sensor_ingest" --consumer-delay-ms 0.05 --spill-dir "$work/spill"
row sensor_ingest "unbounded_queue, slow consumers" "$work/sensors.jsonl" "$bin/sensor_ingest" --consumer-delay-ms 0.05 --antipattern unbounded_queue
row window_aggregate correct "$work/sensors.jsonl" "$bin/window_aggregate"
row window_aggregate accumulate "$work/sensors.jsonl" "$bin/window_aggregate" --antipattern accumulate
for pairs in 10000 100000; do
  row batch_router "correct, $pairs pairs" "$work/od$pairs.jsonl" "$bin/batch_router" --db "$work/od-c-$pairs.sqlite"
  row batch_router "accumulate, $pairs pairs" "$work/od$pairs.jsonl" "$bin/batch_router" --antipattern accumulate --db "$work/od-a-$pairs.sqlite"
done
for mode in none no_purge connection_per_unit; do
  row worker_pool "$mode (40 units)" /dev/null "$bin/worker_pool" --units 40 --antipattern $mode --out-dir "$work/wp-$mode"
done
