#!/usr/bin/python3
"""Run the pipelines' hot-stage benchmark under each allocator and print one table.

Each allocator of memgate's table (the libraries `memgate doctor` lists; glibc is the
process's own malloc) is put under build/tests/bench/memgate_pipeline_stages_bench with
LD_PRELOAD. Rounds are interleaved (glibc, jemalloc, mimalloc, tcmalloc, glibc, ...) so
slow drifts of a shared machine spread over every allocator; a cell is the median
time per item over the rounds, with min-max. The benchmark's "malloc_from" context
proves which library served malloc in each run.

Usage: /usr/bin/python3 tests/bench/pipeline_stages_alloc.py [BUILD_DIR] [ROUNDS] [MIN_TIME_S]
Exit status: 0 printed, 2 bad input or a failed benchmark run.
"""
import json
import os
import statistics
import subprocess
import sys


def fail(message):
    print(f"pipeline_stages_alloc: {message}", file=sys.stderr)
    sys.exit(2)


def allocator_libraries(memgate):
    """(name, library) for glibc and every allocator `memgate doctor` finds installed."""
    out = subprocess.run([memgate, "doctor"], capture_output=True, text=True).stdout
    found = [("glibc", "")]
    for line in out.splitlines():
        fields = line.split()
        if len(fields) >= 3 and fields[1] == "allocator" and fields[2] == "probe":
            continue  # the heap probe, not an allocator
        if len(fields) >= 4 and fields[0] == "[ok]" and fields[1] == "allocator":
            found.append((fields[2], fields[3]))
        elif len(fields) >= 3 and fields[0] == "[missing]" and fields[1] == "allocator":
            print(f"note: {fields[2]} is not installed; left out", file=sys.stderr)
    return found


def run_once(bench, library, min_time):
    env = dict(os.environ)
    env.pop("LD_PRELOAD", None)
    if library:
        env["LD_PRELOAD"] = library
    r = subprocess.run([bench, "--benchmark_format=json", f"--benchmark_min_time={min_time}"],
                       capture_output=True, text=True, env=env)
    if r.returncode != 0:
        fail(f"{bench} under {library or 'glibc'} exited {r.returncode}: {r.stderr.strip()[:300]}")
    doc = json.loads(r.stdout)
    served_by = doc.get("context", {}).get("malloc_from", "?")
    if library and os.path.realpath(served_by) != os.path.realpath(library):
        fail(f"LD_PRELOAD={library} did not take: malloc came from {served_by}")
    # Time per item in ns (items: records, routes, ticks); every benchmark sets items.
    per_item = {}
    for b in doc["benchmarks"]:
        if b.get("items_per_second"):
            per_item[b["name"]] = 1e9 / b["items_per_second"]
    return per_item, served_by


def main():
    build = sys.argv[1] if len(sys.argv) > 1 else "build"
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    min_time = sys.argv[3] if len(sys.argv) > 3 else "0.5"
    bench = os.path.join(build, "tests/bench/memgate_pipeline_stages_bench")
    memgate = os.path.join(build, "harness/cli/memgate")
    for path in (bench, memgate):
        if not os.access(path, os.X_OK):
            fail(f"{path} not found: build it first (cmake --build {build})")
    allocators = allocator_libraries(memgate)
    times = {name: {} for name, _ in allocators}
    for _ in range(rounds):
        for name, library in allocators:
            per_item, _ = run_once(bench, library, min_time)
            for bench_name, ns in per_item.items():
                times[name].setdefault(bench_name, []).append(ns)
    names = [n for n, _ in allocators]
    benches = list(times[names[0]].keys())
    base = names[0]
    print(f"| stage (ns per item, median of {rounds} rounds, min-max) | " + " | ".join(names) + " |")
    print("|---|" + "---:|" * len(names))
    for b in benches:
        cells = []
        base_median = statistics.median(times[base][b])
        for n in names:
            v = times[n][b]
            m = statistics.median(v)
            rel = "" if n == base else f" ({(m / base_median - 1) * 100:+.0f} %)"
            cells.append(f"{m:,.0f} ({min(v):,.0f}–{max(v):,.0f}){rel}")
        print(f"| {b} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
