#!/usr/bin/env bash
# The eBPF sampler's slowdown figures (issue 7): memgate_ebpf_overhead runs a page-fault
# loop (mmap, touch, munmap 64 MiB; target <= 1.05x in default mode) and a syscall loop
# (1000 x open+close) pinned to one CPU, alternating bare and attached blocks inside one
# process (ABBA), and prints the median per-round ratio with its 95 % interval for an
# A/A control, an empty rss_stat program (page-fault loop), the default mode,
# --ebpf-syscalls and (page-fault loop) --ebpf-fault-hook.
# This wrapper adds the load average before and after: other jobs widen the intervals.
# Needs root (or CAP_BPF+CAP_PERFMON). ~3.5 minutes per 10 rounds of all eight pairings.
# Usage: tests/bench/ebpf_overhead.sh [BUILD_DIR] [ROUNDS] [more memgate_ebpf_overhead flags]
#        (default: build 40; e.g. `... build 100 --loops page-fault --modes control,default`)
set -euo pipefail
build=${1:-build}
rounds=${2:-40}
shift $(($# < 2 ? $# : 2))
bench="$build/tests/bench/memgate_ebpf_overhead"
[ -x "$bench" ] || { echo "ebpf_overhead: $bench not built (cmake --build $build --target memgate_ebpf_overhead)" >&2; exit 3; }
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)  ($(nproc) CPUs)"
"$bench" --rounds "$rounds" "$@"
echo "load average after:  $(cut -d' ' -f1-3 /proc/loadavg)"
