#!/usr/bin/env bash
# Prints the eBPF sampler's slowdown figures (issue 7): page-fault loop with the
# sampler attached vs bare (target <= 1.05x), the rss_stat event rate, and a
# syscall-heavy loop with --ebpf-syscalls vs bare. Needs root (or CAP_BPF+CAP_PERFMON).
# Usage: tests/bench/ebpf_overhead.sh [BUILD_DIR]   (default: build)
set -euo pipefail
build=${1:-build}
bench="$build/tests/bench/memgate_ebpf_overhead_bench"
[ -x "$bench" ] || { echo "ebpf_overhead: $bench not built (cmake --build $build --target memgate_ebpf_overhead_bench)" >&2; exit 3; }
json=$(mktemp)
trap 'rm -f "$json"' EXIT
"$bench" --benchmark_repetitions=3 --benchmark_report_aggregates_only=true --benchmark_format=json >"$json"
python3 - "$json" <<'PY'
import json, sys
runs = {b["name"].replace("/min_time:0.500", ""): b for b in json.load(open(sys.argv[1]))["benchmarks"] if b.get("aggregate_name") == "median"}
def t(name): return runs[name + "_median"]["real_time"]
bare, ebpf, sysc = (t(f"BM_PageFaultLoop/{m}") for m in (0, 1, 2))
print(f"page-fault loop (64 MiB mmap/touch/munmap): bare {bare:.2f} ms, eBPF {ebpf:.2f} ms -> {ebpf / bare:.3f}x (target <= 1.05x)")
print(f"  with syscall tracing too: {sysc:.2f} ms -> {sysc / bare:.3f}x")
rate = runs["BM_PageFaultLoop/1_median"].get("rss_events_per_s", 0)
print(f"  rss_stat events attributed to the target: {rate:,.0f}/s")
bare, ebpf, sysc = (t(f"BM_SyscallLoop/{m}") for m in (0, 1, 2))
print(f"syscall loop (1000 x open+close): bare {bare:.0f} us, eBPF {ebpf:.0f} us -> {ebpf / bare:.3f}x, "
      f"--ebpf-syscalls {sysc:.0f} us -> {sysc / bare:.3f}x")
PY
