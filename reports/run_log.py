"""Reads a streamed file of a memgate run directory (samples.csv, processes.csv,
events.jsonl) across its zstd-compressed segments and its live tail, as `memgate report`
does (docs/sample-log.md, "Segments"): NAME.000001.zst, NAME.000002.zst, ... (a plain
NAME.00000N where compression had not finished), then NAME. Repeated CSV headers are
dropped. The segments are decompressed with the zstd program (Debian zstd)."""

import contextlib
import os
import re
import shutil
import subprocess
import sys

SEGMENT = re.compile(r"\.(\d{6,})(\.zst)?$")


def segment_paths(path):
    """The files holding PATH's lines, in order; [] when there is none."""
    directory, base = os.path.split(path)
    directory = directory or "."
    chosen = {}
    try:
        names = os.listdir(directory)
    except OSError:
        return []
    for name in names:
        if not name.startswith(base + "."):
            continue
        m = SEGMENT.fullmatch(name[len(base):])
        if m and int(m.group(1)) > 0 and (m.group(2) or int(m.group(1)) not in chosen):
            chosen[int(m.group(1))] = name
    files = [os.path.join(directory, chosen[i]) for i in sorted(chosen)]
    if os.path.isfile(path):
        files.append(path)
    return files


def _lines(files):
    header = None
    for f in files:
        if f.endswith(".zst"):
            if shutil.which("zstd") is None:
                print(f"{f} is compressed: install zstd (apt-get install zstd) to read it", file=sys.stderr)
                sys.exit(3)
            proc = subprocess.Popen(["zstd", "-dcq", f], stdout=subprocess.PIPE, text=True, errors="replace")
            stream = proc.stdout
        else:
            proc, stream = None, open(f, newline="", errors="replace")
        with stream:
            for number, line in enumerate(stream):
                if number == 0 and header is not None and line == header:
                    continue  # a later segment's repeated header
                if header is None:
                    header = line
                yield line
        if proc:
            proc.wait()


@contextlib.contextmanager
def open_log(path):
    """An iterable of PATH's lines over its segments (csv.reader takes it); OSError when
    neither PATH nor a segment of it exists."""
    files = segment_paths(path)
    if not files:
        raise FileNotFoundError(path)
    yield _lines(files)


def log_exists(path):
    return bool(segment_paths(path))
