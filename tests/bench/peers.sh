#!/usr/bin/env bash
# memgate side by side with the tools users pick instead: bare, memgate (default, with
# the heap probe, with --attribute), /usr/bin/time -v, a psutil poller at 10 Hz (what
# psrecord does), heaptrack, valgrind massif and bcc's memleak, on a malloc-heavy C
# program, a reference pipeline and a Python pipeline, interleaved per repeat. Prints a
# markdown table (docs/peers.md quotes it). Not a test; with the default 3 repeats it took
# 14 minutes on 2 cores at a load average of ~22 (REPEATS=2 for less).
#
#   tests/bench/peers.sh [REPEATS]     (BUILD_DIR=build; PEERS_RAW=FILE keeps every run's figures;
#                                       PEERS_ARGS: more peers.py options, e.g. "--workloads sensor
#                                       --sensor-records 240000")
#
# Needs the build's memgate, libmemgate_probe/attrib, sensor_ingest and churn_spike_leak:
#   cmake --build build --target memgate memgate_probe memgate_attrib sensor_ingest churn_spike_leak
set -euo pipefail
repeats=${1:-3}
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${BUILD_DIR:-$root/build}
for f in harness/cli/memgate allocators/libmemgate_probe.so allocators/libmemgate_attrib.so \
  scenarios/pipelines/sensor_ingest tests/helpers/alloc/churn_spike_leak; do
  [[ -e $build/$f ]] || { echo "peers.sh: $build/$f is missing: build it (see the header of $0)" >&2; exit 3; }
done

tools=bare,memgate,memgate-probe,memgate-attribute
skip=()
# tool  command  Debian package
while read -r tool cmd pkg; do
  if command -v "$cmd" > /dev/null; then
    tools+=,$tool
  else
    echo "peers.sh: $tool not installed: apt-get install $pkg" >&2
    skip+=(--skip "$tool=not installed: apt-get install $pkg")
  fi
done <<'LIST'
time-v /usr/bin/time time
heaptrack heaptrack heaptrack
massif valgrind valgrind
memleak memleak-bpfcc bpfcc-tools
LIST
if /usr/bin/python3 -c 'import psutil' 2> /dev/null; then
  tools+=,poller
else
  echo "peers.sh: poller not installed: apt-get install python3-psutil" >&2
  skip+=(--skip "poller=not installed: apt-get install python3-psutil")
fi
# bcc compiles its programs against the running kernel's headers at start: try it once.
if [[ ,$tools, == *,memleak,* ]]; then
  if ! why=$(timeout 60 memleak-bpfcc -c true 1 1 2>&1); then
    reason=$(grep -m1 -iE 'unable to|permission|not permitted' <<< "$why" || tail -1 <<< "$why")
    reason="$(sed 's/^ *//; s/\. .*//; s/ *$//' <<< "$reason") (kernel $(uname -r))"
    echo "peers.sh: memleak cannot run here: $reason" >&2
    tools=${tools/,memleak/}
    skip+=(--skip "memleak=${reason//|/\/}")
  fi
fi

echo "date: $(date -u '+%Y-%m-%d %H:%M UTC'); host: $(nproc) cores, kernel $(uname -r); load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "command: ${PEERS_ARGS:+PEERS_ARGS=\"$PEERS_ARGS\" }tests/bench/peers.sh $repeats; tools: $tools"
echo
/usr/bin/python3 "$root/tests/bench/peers.py" --build "$build" --root "$root" --tools "$tools" \
  --repeats "$repeats" ${PEERS_RAW:+--raw "$PEERS_RAW"} ${PEERS_ARGS:-} "${skip[@]}"
echo
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
