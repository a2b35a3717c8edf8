#!/usr/bin/env bash
# What --attribute costs a malloc-bound program: alloc_churn's throughput per second of
# its own CPU time (ops/CPU-s: user + system, which other load on a shared machine
# disturbs far less than wall-clock ops/s) under memgate with the probe alone (--allocator A) and with the heap sampler too
# (--allocator A --attribute), and bare (no memgate, glibc), in interleaved runs; prints
# the medians, the slowdown of --attribute against the probe alone under the same
# allocator (the sampler's own cost), and against bare glibc. Not a test:
# docs/attribution.md quotes it.
#
#   tests/bench/attribution_overhead.sh BUILD_DIR [RUNS [SECONDS [ALLOCATORS]]]
set -euo pipefail
build=${1:?usage: $0 BUILD_DIR [RUNS [SECONDS [ALLOCATORS]]]}
runs=${2:-5}
seconds=${3:-3}
allocators=${4:-glibc,jemalloc,mimalloc}
churn="$build/tests/helpers/alloc/alloc_churn"
memgate="$build/harness/cli/memgate"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# shellcheck source=tests/bench/interleaved_modes.sh
source "$(dirname "$0")/interleaved_modes.sh"
ops_of() { sed -n 's/.*ops_per_cpu_s=\([0-9.]*\).*/\1/p' "$1" | tail -1; }

# One run: bare when $1 is "bare", else memgate with the given allocator and extra flags.
one_run() {
  local mode=$1 alloc=$2 out="$work/out"
  case $mode in
    bare) "$churn" "$seconds" > "$out" ;;
    probe) "$memgate" run --quiet --no-plot --ebpf off --plateau none --allocator "$alloc" --force \
             --out "$work/run" --target-log "$out" -- "$churn" "$seconds" > /dev/null ;;
    attribute) "$memgate" run --quiet --no-plot --ebpf off --plateau none --allocator "$alloc" --attribute \
                 --force --out "$work/run" --target-log "$out" -- "$churn" "$seconds" > /dev/null ;;
  esac
  ops_of "$out"
}

printf '%-9s %14s %14s %14s %18s %16s\n' allocator "ops/CPU-s bare" "ops/CPU-s probe" "ops/CPU-s attrib" "attribute/probe" "attribute/bare"
IFS=, read -ra names <<< "$allocators"
for name in "${names[@]}"; do
  interleaved_medians "$name" "$runs"
  printf '%-9s %14.0f %14.0f %14.0f %17sx %15sx\n' "$name" "$bare_median" "$probe_median" "$attribute_median" \
    "$(ratio "$probe_median" "$attribute_median")" "$(ratio "$bare_median" "$attribute_median")"
done
