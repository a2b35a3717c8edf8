#!/usr/bin/env bash
# Repeats of every reference pipeline's leak CI form (profile ci: cycles judged by the
# per-cycle leak checks) under glibc and jemalloc: how often the correct mode FAILs (false
# FAIL; target <= 1 of 20 per pipeline) and how often each leaking anti-pattern FAILs a
# *-leak-per-cycle check (target: every run), with the wall time of each run.
#   tests/bench/ci_form_repeats.sh [N] [ALLOCATORS] [SCENARIOS...]
#   e.g. tests/bench/ci_form_repeats.sh 20 glibc,jemalloc      (BUILD_DIR=build)
# Prints one row per scenario, mode and allocator: runs, FAIL, INCONCLUSIVE, PASS, the
# leak-check FAILs, and the median and largest wall time; on stderr one line per run. The
# report.json of every correct-mode run that did not PASS and of every leaking run without
# a leak-check FAIL is kept in KEEP (default ./ci-form-repeats-kept) as
# SCENARIO-MODE-ALLOCATOR-I.json, to see why.
set -euo pipefail
n=${1:-3}
allocators=${2:-glibc,jemalloc}
shift $(( $# > 2 ? 2 : $# ))
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${BUILD_DIR:-$root/build}
memgate=$build/harness/cli/memgate
out=$(mktemp -d)
keep=${KEEP:-$PWD/ci-form-repeats-kept}
trap 'rm -rf "$out"' EXIT
scenarios=("$@")
if [ ${#scenarios[@]} -eq 0 ]; then
  scenarios=(air_quality_burst wildfire_smoke_burst hydrology_soak routing_10k routing_100k repair_workers)
fi
# The anti-patterns that leak (per record, per response, per unit); unbounded_queue and
# no_purge hold memory without leaking it per cycle and are judged by budgets and
# heap-retention instead.
leaking() {
  case $1 in
    air_quality_burst | wildfire_smoke_burst) echo keep_geometries ;;
    hydrology_soak | routing_10k | routing_100k) echo accumulate ;;
    repair_workers) echo connection_per_unit ;;
  esac
}
summary() {  # report.json -> "outcome leak-fails"
  /usr/bin/python3 - "$1" <<'PY'
import json, sys
try:
    r = json.load(open(sys.argv[1]))
except Exception:
    print("error 0 -"); sys.exit()
leak = [c for c in r["checks"] if c["id"].endswith("-leak-per-cycle")]
fails = [c["id"] for c in leak if c["outcome"] == "fail"]
bad = [c["id"] + ":" + c["outcome"] for c in r["checks"] if c["outcome"] != "pass"]
print(r["verdict"]["outcome"], len(fails), ",".join(bad) or "-")
PY
}
printf '%-22s %-20s %-9s %5s %5s %5s %5s %10s %8s %8s  %s\n' scenario mode allocator runs FAIL INC PASS leak-FAIL median_s max_s "non-pass checks (last run)"
for s in "${scenarios[@]}"; do
  for mode in correct "$(leaking "$s")"; do
    profile=ci
    [ "$mode" != correct ] && profile=ci,$mode
    for a in ${allocators//,/ }; do
      fail=0 inc=0 pass=0 leakfail=0 times=() last=-
      for i in $(seq "$n"); do
        dir=$out/$s-$mode-$a-$i
        start=$(date +%s%N)
        "$memgate" run --quiet --no-plot --allocator "$a" --profile "$profile" --out "$dir" \
          "$root/scenarios/$s.json" >/dev/null 2>&1 || true
        end=$(date +%s%N)
        times+=("$(( (end - start) / 1000000 ))")
        read -r outcome leaks last < <(summary "$dir/report.json")
        case $outcome in fail) fail=$((fail + 1)) ;; inconclusive) inc=$((inc + 1)) ;; pass) pass=$((pass + 1)) ;; esac
        [ "$leaks" -gt 0 ] && leakfail=$((leakfail + 1))
        if { [ "$mode" = correct ] && [ "$outcome" != pass ]; } || { [ "$mode" != correct ] && [ "$leaks" -eq 0 ]; }; then
          mkdir -p "$keep" && cp "$dir/report.json" "$keep/$s-$mode-$a-$i.json" 2>/dev/null || true
        fi
        echo "run $s $mode $a $i: $outcome $last" >&2
        rm -rf "$dir"
      done
      sorted=$(printf '%s\n' "${times[@]}" | sort -n)
      median=$(echo "$sorted" | awk '{a[NR]=$1} END {printf "%.1f", a[int((NR+1)/2)]/1000}')
      max=$(echo "$sorted" | tail -1 | awk '{printf "%.1f", $1/1000}')
      printf '%-22s %-20s %-9s %5d %5d %5d %5d %10d %8s %8s  %s\n' "$s" "$mode" "$a" "$n" "$fail" "$inc" "$pass" \
        "$leakfail" "$median" "$max" "$last"
    done
  done
done
