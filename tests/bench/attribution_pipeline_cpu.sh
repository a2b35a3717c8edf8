#!/usr/bin/env bash
# What --attribute costs a reference pipeline: the CPU time (user + system, from
# /usr/bin/time inside the target's own process) of sensor_ingest reading N sensor
# records, bare, under memgate with the probe (--allocator A) and with the heap sampler
# too (--allocator A --attribute), in interleaved runs; prints the medians and the ratios.
# CPU time, not wall time: on a shared machine the wall clock moves with other load far
# more than the overhead being measured. Not a test: docs/attribution.md quotes it.
#
#   tests/bench/attribution_pipeline_cpu.sh BUILD_DIR [RUNS [RECORDS [ALLOCATORS]]]
set -euo pipefail
build=${1:?usage: $0 BUILD_DIR [RUNS [RECORDS [ALLOCATORS]]]}
runs=${2:-5}
records=${3:-240000}
allocators=${4:-glibc,jemalloc}
memgate="$build/harness/cli/memgate"
sensor="$build/scenarios/pipelines/sensor_ingest"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The records as sensor_ingest reads them: one line each on stdin.
"$memgate" gen --out "$work/trace.jsonl" --rate "$((records / 10))" --duration 10s --seed 7 > /dev/null 2>&1
/usr/bin/python3 -c 'import json, sys
for line in open(sys.argv[1]): print(json.loads(line)["line"])' "$work/trace.jsonl" > "$work/lines.txt"

# shellcheck source=tests/bench/interleaved_modes.sh
source "$(dirname "$0")/interleaved_modes.sh"
cpu_of() { awk '/^cpu_s / {s = $2 + $3} END {print s}' "$1"; }
timed=(/usr/bin/time -f "cpu_s %U %S" "$sensor" --consumers 2)

# One run; prints the pipeline's CPU seconds. $1: bare, probe or attribute; $2: allocator.
one_run() {
  local mode=$1 alloc=$2 out="$work/out" flags=()
  [ "$mode" = attribute ] && flags=(--attribute)
  if [ "$mode" = bare ]; then
    "${timed[@]}" < "$work/lines.txt" > /dev/null 2> "$out"
  else
    "$memgate" run --quiet --no-plot --ebpf off --plateau none --allocator "$alloc" "${flags[@]}" --force \
      --out "$work/run" --target-log "$out" -- "${timed[@]}" < "$work/lines.txt" > /dev/null
  fi
  cpu_of "$out"
}

echo "sensor_ingest --consumers 2, $records records; CPU seconds of the pipeline, median of $runs interleaved runs"
printf '%-9s %10s %10s %12s %18s %16s\n' allocator "CPU bare" "CPU probe" "CPU attrib" "attribute/probe" "attribute/bare"
IFS=, read -ra names <<< "$allocators"
for name in "${names[@]}"; do
  interleaved_medians "$name" "$runs"
  printf '%-9s %10.2f %10.2f %12.2f %17sx %15sx\n' "$name" "$bare_median" "$probe_median" "$attribute_median" \
    "$(ratio "$attribute_median" "$probe_median")" "$(ratio "$attribute_median" "$bare_median")"
done
