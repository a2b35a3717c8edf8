#!/usr/bin/env bash
# Figures of runs under a memory limit (docs/cgroups.md), on this machine's cgroup:
#  - OOM: ROUNDS runs of memhog touching 300 MiB under --memory-max 100M. Per run: the
#    whole memgate run's wall time (start to the cgroup-oom FAIL, exit 1), and the time
#    from the kernel's OOM kill (the eBPF sampler's mark_victim time, when eBPF runs) to
#    the tick that saw it (first_oom_kill_at_s), at --hz HZ.
#  - cost: one HOLD_S run at --hz 100 under --memory-max 400M: one cgroup reading's
#    cost (samplers.cgroup.read_cost_us_mean/max), and memgate's own CPU with and without
#    the limit for the same run.
#   tests/bench/cgroup_figures.sh [ROUNDS] [HZ] [HOLD_S]   (root; BUILD_DIR=build)
set -euo pipefail
rounds=${1:-5}
hz=${2:-10}
hold=${3:-10}
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${BUILD_DIR:-$root/build}
memgate=$build/harness/cli/memgate
memhog=$build/tests/helpers/memhog
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
field() { /usr/bin/python3 -c "import json,sys; r=json.load(open('$1')); print($2)"; }
echo "OOM under --memory-max 100M (memhog --alloc-mib 300), --hz $hz:"
for i in $(seq "$rounds"); do
  start=$(date +%s%N)
  rc=0
  "$memgate" run --quiet --no-plot --plateau none --hz "$hz" --out "$out/oom$i" --memory-max 100M -- \
    "$memhog" --alloc-mib 300 >/dev/null 2>&1 || rc=$?
  end=$(date +%s%N)
  r=$out/oom$i/report.json
  detect=$(field "$r" "'%.0f ms' % ((r['samplers']['cgroup']['first_oom_kill_at_s'] - r['samplers']['ebpf']['oom_victims'][0]['t_s']) * 1000) if r['samplers'].get('ebpf', {}).get('oom_victims') else 'n/a (no eBPF)'")
  echo "  run $i: exit $rc, memgate wall $(( (end - start) / 1000000 )) ms, kill -> seen by the sampler $detect"
done
echo "cost at --hz 100, ${hold}s, memhog --alloc-mib 64:"
for limit in "" "--memory-max 400M"; do
  # shellcheck disable=SC2086
  "$memgate" run --quiet --no-plot --plateau none --hz 100 --out "$out/cost${limit:+-limit}" $limit -- \
    "$memhog" --alloc-mib 64 --hold-s "$hold" >/dev/null 2>&1
done
echo "  one cgroup reading: $(field "$out/cost-limit/report.json" "'%.1f us mean, %.1f us max over %d reads' % (r['samplers']['cgroup']['read_cost_us_mean'], r['samplers']['cgroup']['read_cost_us_max'], r['samplers']['cgroup']['reads'])")"
echo "  memgate CPU without a limit: $(field "$out/cost/report.json" "'%.3f s' % r['samplers']['proc']['memgate_cpu_s']")," \
  "with --memory-max: $(field "$out/cost-limit/report.json" "'%.3f s' % r['samplers']['proc']['memgate_cpu_s']")"
