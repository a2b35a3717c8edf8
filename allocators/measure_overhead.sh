#!/usr/bin/env bash
# Measures what libmemgate_probe.so costs a malloc-bound program: alloc_churn's
# throughput with and without the probe under each allocator (interleaved runs,
# median), and the CPU the probe thread itself used.
#
#   allocators/measure_overhead.sh BUILD_DIR [RUNS [SECONDS [INTERVAL_MS]]]
set -euo pipefail
build=${1:?usage: $0 BUILD_DIR [RUNS [SECONDS [INTERVAL_MS]]]}
runs=${2:-5}
seconds=${3:-2}
interval=${4:-100}
churn="$build/tests/helpers/alloc/alloc_churn"
probe="$build/allocators/libmemgate_probe.so"
lib=/usr/lib/x86_64-linux-gnu
declare -A alloc_lib=([glibc]="" [jemalloc]="$lib/libjemalloc.so.2" [mimalloc]="$lib/libmimalloc.so.2" [tcmalloc]="$lib/libtcmalloc_minimal.so.4")
clk_tck=$(getconf CLK_TCK)

median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }

# Runs the churn with the given LD_PRELOAD; prints "ops_per_s probe_cpu_s".
one_run() {
  local preload=$1 session="overhead-$$" out
  out=$(mktemp)
  MEMGATE_PROBE_SESSION=$session MEMGATE_PROBE_INTERVAL_MS=$interval LD_PRELOAD="$preload" \
    "$churn" "$seconds" > "$out" &
  local pid=$! cpu=0
  sleep "$(awk -v s="$seconds" 'BEGIN {print s - 0.2}')"
  for task in /proc/$pid/task/*; do
    if [ "$(cat "$task/comm" 2>/dev/null)" = memgate-probe ]; then
      cpu=$(awk -v t="$clk_tck" '{print ($14 + $15) / t}' "$task/stat")
    fi
  done
  wait $pid
  rm -f /dev/shm/memgate-probe.$session.*
  echo "$(sed -n 's/.*ops_per_s=\([0-9.]*\).*/\1/p' "$out") $cpu"
  rm -f "$out"
}

printf '%-9s %14s %14s %9s %14s\n' allocator "ops/s bare" "ops/s probe" "change" "probe CPU s"
for name in glibc jemalloc mimalloc tcmalloc; do
  base=${alloc_lib[$name]}
  bare=() probed=() cpu=()
  for _ in $(seq "$runs"); do  # interleaved, so drift hits both sides alike
    read -r ops _ <<< "$(one_run "$base")"
    bare+=("$ops")
    read -r ops c <<< "$(one_run "${base:+$base:}$probe")"
    probed+=("$ops"); cpu+=("$c")
  done
  b=$(printf '%s\n' "${bare[@]}" | median)
  p=$(printf '%s\n' "${probed[@]}" | median)
  c=$(printf '%s\n' "${cpu[@]}" | median)
  printf '%-9s %14.0f %14.0f %8.1f%% %14s\n' "$name" "$b" "$p" "$(awk -v b="$b" -v p="$p" 'BEGIN {print (p - b) / b * 100}')" "$c"
done
