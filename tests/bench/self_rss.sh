#!/usr/bin/env bash
# memgate's own memory over a long, fast run: 1,000,000 samples (1 kHz for 1000 s by
# default) of a small target. Prints memgate's RSS in the first and last 10 % of the
# run and its peak (issue target: peak <= 32 MiB, no growth between the two windows).
#   tests/bench/self_rss.sh [SAMPLES] [HZ]   (about 17 minutes with the defaults; BUILD_DIR=build)
set -euo pipefail
samples=${1:-1000000}
hz=${2:-1000}
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${BUILD_DIR:-$root/build}
memgate=$build/harness/cli/memgate
memhog=$build/tests/helpers/memhog
out=$(mktemp -d)
duration=$(awk "BEGIN{print $samples / $hz}")
"$memgate" run --quiet --no-plot --hz "$hz" --out "$out/run" --duration "${duration}s" -- \
  "$memhog" --alloc-mib 32 --threads 4 --fds 100 --children 2 --child-mib 8 --hold-s 100000 &
pid=$!
log=$out/rss.log
while kill -0 "$pid" 2>/dev/null; do
  awk '/VmRSS/{print $2}' "/proc/$pid/status" 2>/dev/null >> "$log" || true
  sleep 1
done
wait "$pid" || true
n=$(wc -l < "$log")
tenth=$(( n / 10 > 0 ? n / 10 : 1 ))
first=$(head -n "$tenth" "$log" | awk '{s+=$1} END{printf "%.1f", s/NR/1024}')
last=$(tail -n "$tenth" "$log" | awk '{s+=$1} END{printf "%.1f", s/NR/1024}')
peak=$(/usr/bin/python3 -c "import json;print(round(json.load(open('$out/run/report.json'))['samplers']['proc']['memgate_max_rss_bytes']/1048576,1))")
# The report pass re-reads every sample: measure it on its own.
report_peak=$(/usr/bin/python3 -c "
import resource, subprocess
subprocess.run(['$memgate', 'report', '$out/run'], stdout=subprocess.DEVNULL)
print(round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1))")
rows=$(( $(wc -l < "$out/run/samples.csv") - 1 ))
missed=$(/usr/bin/python3 -c "import json;print(json.load(open('$out/run/report.json'))['samplers']['proc']['missed_ticks'])")
echo "samples written:            $rows (missed ticks: $missed)"
echo "memgate RSS, first 10 %:    $first MiB (mean of 1 s polls)"
echo "memgate RSS, last 10 %:     $last MiB"
echo "memgate peak RSS, sampling: $peak MiB (ru_maxrss at the end of the run)"
echo "memgate report peak RSS:    $report_peak MiB (memgate report over all $rows samples)"
rm -rf "$out"
