#!/usr/bin/env bash
# memgate's own memory over a 24-hour soak played compressed: scenarios/hydrology_soak.json
# (a day of diurnal telemetry through window_aggregate) at --time-scale SCALE (default
# 720: the day in 2 minutes, ~260,000 records), sampled at HZ (default 50), with interim
# reports every 10 s, the Prometheus textfile, and the sample log closed into 256 KiB zstd
# segments, so every part that runs for the whole soak (live analysis, export, rotation
# and compression) runs here many times. Prints memgate's RSS over the first and the last
# 10 % of the run (polled every second), its peak, the report pass's peak and the disk
# the run directory uses.
# At SCALE 240 (6 minutes, a "soak hour" every 15 s, ~17,000 samples) the second half
# runs with full buckets: its 70-80 % vs last 10 % figure is the growth after warm-up.
#   tests/bench/self_rss.sh [SCALE] [HZ]   (BUILD_DIR=build; needs the scenario pipelines)
set -euo pipefail
scale=${1:-720}
hz=${2:-50}
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${BUILD_DIR:-$root/build}
memgate=$build/harness/cli/memgate
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
"$memgate" run --quiet --no-plot --out "$out/run" --time-scale "$scale" --hz "$hz" --process-hz 10 \
  --report-every 10s --prometheus-textfile "$out/memgate.prom" --log-segment 256K \
  "$root/scenarios/hydrology_soak.json" >"$out/run.log" 2>&1 &
pid=$!
log=$out/rss.log
while kill -0 "$pid" 2>/dev/null; do
  awk '/VmRSS/{print $2}' "/proc/$pid/status" 2>/dev/null >> "$log" || true
  sleep 1
done
wait "$pid" || true
[ -s "$out/run/report.json" ] || { cat "$out/run.log" >&2; exit 1; }
n=$(wc -l < "$log")
tenth=$(( n / 10 > 0 ? n / 10 : 1 ))
first=$(head -n "$tenth" "$log" | awk '{s+=$1} END{printf "%.1f", s/NR/1024}')
last=$(tail -n "$tenth" "$log" | awk '{s+=$1} END{printf "%.1f", s/NR/1024}')
# After the warm-up: the live analysis holds up to 8192 buckets per series, filled after
# 8192 samples (~180 s at 50 Hz, half of a SCALE 240 run); from there on a flat memgate
# adds nothing. The 70-80 % window is clear of the filling.
later=$(awk -v from=$(( n * 7 / 10 + 1 )) -v to=$(( n * 7 / 10 + tenth )) 'NR>=from && NR<=to {s+=$1; c++} END{printf "%.2f", s/c/1024}' "$log")
last2=$(tail -n "$tenth" "$log" | awk '{s+=$1} END{printf "%.2f", s/NR/1024}')
read -r rows missed peak refreshes < <(/usr/bin/python3 -c "
import json; r = json.load(open('$out/run/report.json')); p = r['samplers']['proc']
print(r['summary']['samples'], p['missed_ticks'], round(p['memgate_max_rss_bytes'] / 1048576, 1),
      r['samplers'].get('live_analysis', {}).get('refreshes', 0))")
# The report pass re-reads every sample: measure it on its own.
report_peak=$(/usr/bin/python3 -c "
import resource, subprocess
subprocess.run(['$memgate', 'report', '$out/run'], stdout=subprocess.DEVNULL)
print(round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1))")
segments=$(find "$out/run" -name '*.zst' | wc -l)
disk=$(du -sk "$out/run" | awk '{printf "%.1f", $1/1024}')
echo "24 h soak at --time-scale $scale: $n s wall, $rows samples at $hz Hz (missed ticks: $missed), $refreshes live analyses"
echo "memgate RSS, first 10 %:    $first MiB (mean of 1 s polls)"
echo "memgate RSS, last 10 %:     $last MiB"
echo "memgate RSS, 70-80 % -> last 10 %: $later -> $last2 MiB (growth after the buckets fill, in runs of > 8192 samples)"
echo "memgate peak RSS, sampling: $peak MiB (ru_maxrss at the end of the run)"
echo "memgate report peak RSS:    $report_peak MiB (memgate report over all $rows samples)"
echo "run directory on disk:      $disk MiB ($segments compressed log segments)"
