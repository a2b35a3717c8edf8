#!/usr/bin/env bash
# The sample log's disk use for a days-long soak of a fleet: a real run of 50 processes
# (memhog and 49 children, the parent growing) sampled at 10 Hz with per-process rows at
# 10 Hz, its files closed into zstd segments of SEGMENT (small here, so most rows end up
# compressed). Prints bytes per row raw and compressed for samples.csv and processes.csv
# and the 7-day x 10 Hz x 50 processes total they imply, with the live (uncompressed)
# segments at the default --log-segment on top.
#   tests/bench/log_disk.sh [SECONDS] [SEGMENT]   (defaults 120 and 64K; BUILD_DIR=build)
set -euo pipefail
seconds=${1:-120}
segment=${2:-64K}
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${BUILD_DIR:-$root/build}
memgate=$build/harness/cli/memgate
memhog=$build/tests/helpers/memhog
command -v zstd >/dev/null || { echo "log_disk.sh: needs zstd (apt-get install zstd)" >&2; exit 1; }
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
dir=$out/run
"$memgate" run --quiet --no-plot --out "$dir" --hz 10 --process-hz 10 --log-segment "$segment" \
  --duration "${seconds}s" --plateau none -- \
  "$memhog" --alloc-mib 8 --grow-mib-per-s 0.25 --children 49 --child-mib 1 --hold-s 100000 >/dev/null || true
/usr/bin/python3 - "$dir" <<'PY'
import glob, json, os, subprocess, sys
d = sys.argv[1]
days, hz, procs = 7, 10, 50
default_segment = 64 << 20  # record::kDefaultSegmentBytes
total = 0.0
print(f"run: {d} ({len(glob.glob(os.path.join(d, '*.zst')))} compressed segments)")
for name, rows_7d in (("samples.csv", days * 86400 * hz), ("processes.csv", days * 86400 * hz * procs)):
    zst_bytes = raw_bytes = rows = 0
    for f in sorted(glob.glob(os.path.join(d, name + ".*.zst"))):
        text = subprocess.run(["zstd", "-dcq", f], capture_output=True, check=True).stdout
        zst_bytes += os.path.getsize(f)
        raw_bytes += len(text)
        rows += text.count(b"\n") - (1 if f.endswith(".000001.zst") else 0)  # segment 1 keeps the header
    if rows == 0:
        sys.exit(f"log_disk.sh: no compressed segment of {name}: run longer or pass a smaller SEGMENT")
    raw_row, zst_row = raw_bytes / rows, zst_bytes / rows
    projected = rows_7d * zst_row
    total += projected + default_segment
    print(f"{name:14s} {rows:9d} rows in segments: {raw_row:6.1f} B/row raw, {zst_row:5.2f} B/row zstd "
          f"(ratio {raw_bytes / zst_bytes:5.1f}); 7 d: {rows_7d:,} rows = {rows_7d * raw_row / 2**30:6.2f} GiB raw, "
          f"{projected / 2**30:5.2f} GiB compressed")
events = sum(os.path.getsize(f) for f in glob.glob(os.path.join(d, "events.jsonl*")))
wall = json.load(open(os.path.join(d, "report.json")))["run"]["duration_s"]
events_7d = events / wall * days * 86400  # counted uncompressed: an upper bound
total += events_7d
print(f"events.jsonl   {events} B in {wall:.0f} s; 7 d: {events_7d / 2**30:.2f} GiB at most (uncompressed)")
print(f"7 d x {hz} Hz x {procs} processes: {total / 2**30:.2f} GiB on disk at most "
      f"(compressed segments + one live segment of {default_segment >> 20} MiB per file at the default --log-segment)")
PY
