#!/usr/bin/env bash
# `--attribute` on every leaking anti-pattern of the reference pipelines, under each
# allocator, N times: is the top growth site (over the run, and per cycle) the line the
# pipeline's source marks "// ANTIPATTERN: name" (or "// ANTIPATTERN-ALLOCATES: name",
# where the kept objects are allocated)? The ctest PipelineAntiPattern.* runs two of these.
#   tests/bench/antipattern_sites.sh [N] [ALLOCATORS]      (BUILD_DIR=build)
#   e.g. tests/bench/antipattern_sites.sh 3 glibc,jemalloc
# Prints one row per run: scenario, anti-pattern, allocator, run, top site, top site per
# cycle, and ok when both are a marked line.
set -euo pipefail
n=${1:-1}
allocators=${2:-glibc,jemalloc}
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${BUILD_DIR:-$root/build}
memgate=$build/harness/cli/memgate
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
# scenario anti-pattern source; repair_workers marks its own cycles (its ci form: 12).
cases=("air_quality_burst keep_geometries sensor_ingest.cc"
       "hydrology_soak accumulate window_aggregate.cc"
       "routing_10k accumulate batch_router.cc"
       "repair_workers connection_per_unit worker_pool.cc")
printf '%-18s %-20s %-9s %3s  %-5s %-44s %s\n' scenario anti-pattern allocator run ok top-site top-site-per-cycle
for c in "${cases[@]}"; do
  read -r scenario antipattern source <<<"$c"
  # The anti-pattern's line in its pipeline, and where the objects it keeps are allocated
  # in any pipeline source (sites are named by file name and line).
  marks=$( (grep -n "// ANTIPATTERN: $antipattern" "$root/scenarios/pipelines/$source" | cut -d: -f1 | sed "s/^/$source:/"
    grep -rn "// ANTIPATTERN-ALLOCATES: $antipattern" "$root/scenarios/pipelines" |
      awk -F: '{n = split($1, p, "/"); print p[n] ":" $2}') | paste -sd, -)
  cycles=(--cycles 4 --time-scale 2)
  [ "$scenario" = repair_workers ] && cycles=()
  for a in ${allocators//,/ }; do
    for i in $(seq "$n"); do
      dir=$out/$scenario-$antipattern-$a-$i
      MEMGATE_ATTRIB_MEAN_BYTES=8192 "$memgate" run --quiet --no-plot --allocator "$a" --attribute \
        --profile "ci,$antipattern" "${cycles[@]}" --out "$dir" "$root/scenarios/$scenario.json" \
        >/dev/null 2>&1 || true
      /usr/bin/python3 - "$dir/report.json" "$marks" "$scenario" "$antipattern" "$a" "$i" <<'PY'
import json, sys
path, marks, *row = sys.argv[1:]
try:
    native = json.load(open(path))["attribution"]["native"] or {}
except Exception:
    native = {}
def top(sites):
    return sites[0]["site"].split(" ")[0] if sites else "-"
overall = top(native.get("growing", []))
cycle = top((native.get("per_cycle") or {}).get("growing", []))
ok = overall in marks.split(",") and cycle in marks.split(",")
print("%-18s %-20s %-9s %3s  %-5s %-44s %s" % (*row, "ok" if ok else "MISS", overall, cycle))
PY
    done
  done
done
