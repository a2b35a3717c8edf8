#!/usr/bin/env bash
# The traffic generator's figures (issue 4, docs/traffic.md), one command, ~2.5 minutes:
#  - sensor records generated + written into a pipe drained by a reader thread
#    (target >= 1,000,000 records/s on one core; CPU per record is the one-core figure);
#  - the whole dispatcher flat out (the ceiling behind traffic.max_rate);
#  - schedule lag at 100,000 records/s sustained for LAG_SECONDS (default 60): p50/p99/max
#    (target p99 <= 1 ms), records later than 1 ms, time blocked on the reader;
#  - generator RSS over a 24-hour diurnal soak compressed 1440x into 60 s (flat).
# Prints the load average with each figure: lag measured on a busy machine is the
# sender waiting for a CPU, so re-measure on a quiet one before relying on it.
# Usage: tests/bench/load_figures.sh [BUILD_DIR]   (LAG_SECONDS=60 by default)
set -euo pipefail
build=${1:-build}
bench="$build/tests/bench/memgate_load_generate_bench"
[ -x "$bench" ] || { echo "load_figures: $bench not built (cmake --build $build --target memgate_load_generate_bench)" >&2; exit 3; }
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
run() {  # run NAME FILTER [ENV...]
  local name=$1 filter=$2
  shift 2
  local before after
  before=$(cut -d' ' -f1-3 /proc/loadavg)
  env "$@" "$bench" --benchmark_filter="$filter" --benchmark_format=json >"$out/$name.json" 2>"$out/$name.err" ||
    { echo "load_figures: $name failed:" >&2; cat "$out/$name.err" >&2; exit 1; }
  grep -q '"benchmarks"' "$out/$name.json" || { echo "load_figures: $name: no benchmark matched $filter" >&2; exit 1; }
  after=$(cut -d' ' -f1-3 /proc/loadavg)
  echo "$before|$after" >"$out/$name.load"
}
echo "machine: $(nproc) CPUs, kernel $(uname -r)"
run rate '^BM_SensorRecordsIntoPipe/'
run full '^BM_DispatcherFullSpeed/'
run lag '^BM_ScheduleLag/100000/' MEMGATE_LAG_SECONDS="${LAG_SECONDS:-60}"
run soak '^BM_CompressedSoakRss/'
python3 - "$out" <<'PY'
import json, sys
out = sys.argv[1]
def bench(name):
    return json.load(open(f"{out}/{name}.json"))["benchmarks"]
def load(name):
    before, after = open(f"{out}/{name}.load").read().strip().split("|")
    return f"[load average {before} -> {after}]"
b = bench("rate")[0]
per_cpu = b["items_per_second"] * b["real_time"] / b["cpu_time"]
print(f"sensor records into a pipe: {b['items_per_second']:,.0f} records/s wall ({b['bytes_per_second'] / 1e6:.0f} MB/s), "
      f"{1e6 / per_cpu:.2f} us CPU per record = {per_cpu:,.0f} records per CPU-second (target >= 1,000,000 on one core) {load('rate')}")
rates = sorted(x["records_per_s"] for x in bench("full") if "records_per_s" in x)
print(f"dispatcher flat out: {rates[0]:,.0f}..{rates[-1]:,.0f} records/s over {len(rates)} runs {load('full')}")
b = bench("lag")[0]
print(f"schedule lag at 100,000 records/s for {b['sent'] / 1e5:.0f} s: p50 {b['lag_p50_us']:.0f} us, p99 {b['lag_p99_us']:.0f} us, "
      f"max {b['lag_max_us'] / 1e3:.1f} ms (target p99 <= 1 ms); {b['late_over_1ms']:.0f} of {b['sent']:.0f} records later than 1 ms; "
      f"blocked {b['blocked_s']:.3f} s; sender thread: {b.get('label', '?')} {load('lag')}")
b = bench("soak")[0]
print(f"generator RSS, 24 h diurnal soak at 1440x ({b['sent']:,.0f} records, {b['phases']:.0f} phases): "
      f"{b['rss_first_tenth_mib']:.2f} MiB in the first tenth, {b['rss_last_tenth_mib']:.2f} MiB in the last, "
      f"max {b['rss_max_mib']:.2f} MiB; lag p99 {b['lag_p99_us']:.0f} us {load('soak')}")
PY
