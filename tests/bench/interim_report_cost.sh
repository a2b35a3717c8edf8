#!/usr/bin/env bash
# What one interim analysis costs on a long soak: a run directory still "running" with
# ROWS samples (default 864,000: 24 h at 10 Hz) and a processes.csv of the same length in
# seconds (3 processes at 1 Hz), analysed the way the live analysis does it (the
# streaming pass of `memgate report DIR`). Prints the wall time and the peak RSS of the
# pass; the live analysis spaces its refreshes by twenty times the last pass's cost.
#   tests/bench/interim_report_cost.sh [ROWS] [HZ]   (BUILD_DIR=build)
set -euo pipefail
rows=${1:-864000}
hz=${2:-10}
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${BUILD_DIR:-$root/build}
memgate=$build/harness/cli/memgate
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
dir=$out/run
mkdir "$dir"
/usr/bin/python3 - "$dir" "$rows" "$hz" <<'PY'
import json, math, sys
d, rows, hz = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
json.dump({"command": ["./soak"], "status": "running", "memgate_pid": 0, "hz": hz, "pss_hz": 1, "process_hz": 1,
           "planned_duration_s": rows / hz * 2, "checks": {}, "samplers": {}, "started_unix_ms": 0},
          open(d + "/meta.json", "w"))
cols = "t_s,scenario_t_s,wall_ms,phase,processes,rss_bytes,rss_anon_bytes,rss_file_bytes,rss_shmem_bytes,hwm_max_bytes,swap_bytes,pss_bytes,fds,threads,minor_faults,major_faults,cpu_s"
with open(d + "/samples.csv", "w") as f:
    f.write(cols + "\n")
    for i in range(rows):
        t = i / hz
        rss = 200 * 2**20 + int(2**20 * math.sin(t / 60))
        f.write(f"{t:.3f},{t:.3f},{int(t*1000)},soak hour {int(t // 3600) + 1},3,{rss},{rss},0,0,{rss},0,,40,12,0,0,{t/100:.2f}\n")
with open(d + "/processes.csv", "w") as f:
    f.write("t_s,pid,ppid,comm,rss_bytes,hwm_bytes\n")
    for s in range(int(rows / hz)):
        for pid in (100, 101, 102):
            f.write(f"{s},{pid},1,soak,{70 * 2**20},{71 * 2**20}\n")
open(d + "/events.jsonl", "w").write('{"t_s":0,"scenario_t_s":0,"kind":"start"}\n')
PY
echo "samples.csv: $(( $(wc -l < "$dir/samples.csv") - 1 )) rows, $(du -h "$dir/samples.csv" | cut -f1)"
/usr/bin/python3 - "$memgate" "$dir" <<'PY'
import resource, subprocess, sys, time
memgate, d = sys.argv[1], sys.argv[2]
best = None
for _ in range(3):
    start = time.monotonic()
    subprocess.run([memgate, "report", d], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    took = time.monotonic() - start
    best = took if best is None else min(best, took)
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
cpu = (usage.ru_utime + usage.ru_stime) / 3
print(f"one analysis pass: {best:.2f} s wall (best of 3), {cpu:.2f} s CPU (mean), peak RSS {usage.ru_maxrss / 1024:.1f} MiB")
print(f"refresh spacing at that cost: {max(5, 20 * best):.0f} s (live analysis: max(5 s, 20 x cost))")
PY
