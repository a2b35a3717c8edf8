#!/usr/bin/env bash
# The Python startup hook's cost (--attribute on a Python target; docs/attribution-python.md):
# the correct design of tests/helpers/py/py_pipeline.py processes RECORDS records flat
# out under `memgate run` without and with --attribute, interleaved (A B A B ...) ROUNDS
# times; the pipeline times its own work (the interpreter's start-up is not counted).
# Prints each pair and the median ratio with its range.
#   tests/bench/pyhook_overhead.sh [ROUNDS] [RECORDS] [FRAMES]   (BUILD_DIR=build)
set -euo pipefail
rounds=${1:-5}
records=${2:-300000}
frames=${3:-5}
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${BUILD_DIR:-$root/build}
memgate=$build/harness/cli/memgate
pipeline=$root/tests/helpers/py/py_pipeline.py
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
seconds() { /usr/bin/python3 -c "import json,sys; print(json.loads(open(sys.argv[1]).read().strip().splitlines()[-1])['seconds'])" "$1"; }
ratios=()
for i in $(seq "$rounds"); do
  "$memgate" run --quiet --no-plot --plateau none --out "$out/bare$i" --target-log "$out/bare$i.log" -- \
    /usr/bin/python3 "$pipeline" --records "$records" >/dev/null 2>&1
  MEMGATE_PYHEAP_FRAMES=$frames "$memgate" run --quiet --no-plot --plateau none --attribute --out "$out/hook$i" \
    --target-log "$out/hook$i.log" -- /usr/bin/python3 "$pipeline" --records "$records" >/dev/null 2>&1
  a=$(seconds "$out/bare$i.log")
  b=$(seconds "$out/hook$i.log")
  snaps=$(grep -c '"kind":"py-heap"' "$out/hook$i/events.jsonl" || true)
  ratio=$(/usr/bin/python3 -c "print('%.3f' % ($b / $a))")
  ratios+=("$ratio")
  echo "round $i: bare ${a}s, --attribute ${b}s (${snaps} snapshot parts): ${ratio}x"
done
/usr/bin/python3 - "${ratios[@]}" <<'PY'
import statistics, sys
r = sorted(float(x) for x in sys.argv[1:])
print("slowdown with --attribute: median %.3fx (min %.3fx, max %.3fx, %d rounds)" % (statistics.median(r), r[0], r[-1], len(r)))
PY
