# memgate's startup hook for Python targets (memgate run --attribute; docs/attribution-python.md).
#
# memgate puts this directory first on PYTHONPATH, so the interpreter imports this file as
# `sitecustomize` at start-up. It starts tracemalloc with a few frames, then hands over to
# the target's own sitecustomize, if any (this directory leaves sys.path first, so the
# program never sees it). A daemon thread polls the control file memgate names in
# MEMGATE_PYHEAP_CONTROL ("SEQ LABEL" on one line); when SEQ changes it takes a
# snapshot and writes the largest-growing allocation sites to the metrics channel
# (MEMGATE_METRICS_PATH, docs/metrics-channel.md), one line of at most 4096 bytes per
# part. None is taken at exit: by then the program's objects may already be freed.
import os
import sys

_HOOK_DIR = os.path.dirname(os.path.abspath(__file__))


def _leave_sys_path():
    sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != _HOOK_DIR]


def _start():
    control = os.environ.get("MEMGATE_PYHEAP_CONTROL")
    channel = os.environ.get("MEMGATE_METRICS_PATH")
    if not control or not channel:
        return
    import errno
    import json
    import linecache
    import threading
    import time
    import tracemalloc

    frames = max(1, min(int(os.environ.get("MEMGATE_PYHEAP_FRAMES", "5") or 5), 32))
    poll_s = 0.1
    max_tracked = 64  # sites reported at every snapshot once they have grown
    top_new = 16      # largest growers that may join them at each snapshot
    tracemalloc.start(frames)
    skip = [tracemalloc.Filter(False, __file__), tracemalloc.Filter(False, tracemalloc.__file__),
            tracemalloc.Filter(False, "<frozen importlib._bootstrap>"),
            tracemalloc.Filter(False, "<frozen importlib._bootstrap_external>"),
            tracemalloc.Filter(False, "<unknown>"), tracemalloc.Filter(False, linecache.__file__)]
    state = {"pid": os.getpid(), "first": None, "tracked": {}, "fd": None, "seq": None, "lock": threading.Lock()}

    def function_of(filename, lineno):
        # tracemalloc keeps no function names: the innermost def above the line, by indentation.
        line = linecache.getline(filename, lineno)
        if not line:
            return ""
        indent = len(line) - len(line.lstrip())
        for n in range(lineno - 1, 0, -1):
            text = linecache.getline(filename, n)
            stripped = text.lstrip()
            if not stripped or stripped.startswith("#"):
                continue
            ind = len(text) - len(stripped)
            if ind < indent and (stripped.startswith("def ") or stripped.startswith("async def ")):
                return stripped.split("def ", 1)[1].split("(", 1)[0].strip()
            if ind < indent and stripped.startswith("class "):
                return stripped[6:].split("(", 1)[0].split(":", 1)[0].strip()
            if ind == 0 and ind < indent:
                return "<module>"
            indent = min(indent, ind) if ind < indent else indent
        return "<module>"

    def write_line(obj):
        line = (json.dumps(obj, separators=(",", ":")) + "\n").encode()
        if len(line) > 4096:
            return
        if state["fd"] is None:
            try:
                state["fd"] = os.open(channel, os.O_WRONLY | os.O_NONBLOCK | os.O_APPEND)
            except OSError:
                return
        for _ in range(50):  # our own thread: a short wait for room beats losing a snapshot
            try:
                os.write(state["fd"], line)
                return
            except BlockingIOError:
                time.sleep(0.01)
            except OSError as e:
                if e.errno != errno.EINTR:
                    return

    import sysconfig
    library_dirs = tuple(sorted(set(os.path.join(os.path.realpath(p), "") for p in (
        sysconfig.get_paths().get(k) for k in ("stdlib", "platstdlib", "purelib", "platlib")) if p)))
    library_cache = {}

    def is_library(filename):
        v = library_cache.get(filename)
        if v is None:
            v = library_cache[filename] = filename.startswith("<") or \
                os.path.realpath(filename).startswith(library_dirs)
        return v

    def site_of(traceback):
        # The innermost frame in the program's own code: json.loads or dict() called on a
        # line is that line's allocation, not the standard library's.
        for frame in reversed(traceback):  # tracemalloc lists frames from the oldest
            if not is_library(frame.filename):
                return (frame.filename, frame.lineno)
        frame = traceback[-1]
        return (frame.filename, frame.lineno)

    def snapshot(seq, label):
        snap = tracemalloc.take_snapshot().filter_traces(skip)
        by_line, biggest = {}, {}
        for stat in snap.statistics("traceback"):
            k = site_of(stat.traceback)
            size, count = by_line.get(k, (0, 0))
            by_line[k] = (size + stat.size, count + stat.count)
            if stat.size > biggest.get(k, (0, None))[0]:
                biggest[k] = (stat.size, stat.traceback)
        traced = sum(size for size, _ in by_line.values())
        first = state["first"]
        if first is None:
            first = state["first"] = {k: v[0] for k, v in by_line.items()}
        tracked = state["tracked"]
        growth = sorted(((size - first.get(k, 0), k) for k, (size, _) in by_line.items()), reverse=True)
        for g, k in growth[:top_new]:
            if g <= 0:
                break
            if k not in tracked and len(tracked) >= max_tracked:
                # Full: the site that grew least gives way, if it grew less than this one.
                worst = min(tracked, key=lambda t: by_line.get(t, (0, 0))[0] - first.get(t, 0))
                if by_line.get(worst, (0, 0))[0] - first.get(worst, 0) >= g:
                    continue
                del tracked[worst]
            tracked.setdefault(k, None)
        # The largest traceback through each of the top growing sites, allocation first.
        tracebacks = {}
        for _, k in growth[:5]:
            if frames > 1 and k in biggest:
                tracebacks[k] = [[f.filename, f.lineno] for f in reversed(biggest[k][1])]
        sites = []
        for k in tracked:
            size, count = by_line.get(k, (0, 0))
            site = {"file": k[0], "line": k[1], "function": function_of(k[0], k[1]), "bytes": size,
                    "count": count, "first_bytes": first.get(k, 0)}
            if k in tracebacks:
                site["traceback"] = tracebacks[k][:frames]
            sites.append(site)
        head = {"seq": seq, "label": label, "traced": traced, "first_traced": sum(first.values()),
                "frames": frames, "sites": len(sites)}
        parts, part = [], []
        for site in sites:
            trial = part + [site]
            if len(json.dumps({"pid": state["pid"], "pyheap": dict(head, part=0, chunk=trial)})) > 3900 and part:
                parts.append(part)
                part = [site]
            else:
                part = trial
        parts.append(part)
        for i, chunk in enumerate(parts):
            write_line({"pid": state["pid"], "pyheap": dict(head, part=i, parts=len(parts), chunk=chunk)})

    def request():
        try:
            with open(control) as f:
                text = f.read(256)
        except OSError:
            return None
        seq, _, label = text.strip().partition(" ")
        return (seq, label) if seq else None

    def take(seq, label):
        with state["lock"]:
            if seq == state["seq"]:
                return
            state["seq"] = seq
            try:
                snapshot(seq, label)
            except Exception:  # never break the target
                pass

    def poll():
        while True:
            r = request()
            if r:
                take(*r)
            time.sleep(poll_s)

    def start_thread():
        threading.Thread(target=poll, name="memgate-pyheap", daemon=True).start()

    def after_fork():
        # A forked child reports for itself: its own pid, channel descriptor and poller.
        state.update(pid=os.getpid(), fd=None, lock=threading.Lock())
        start_thread()

    state["seq"] = (request() or (None, ""))[0]  # only requests made after start-up count
    if state["seq"] is None:
        state["seq"] = "0"
    if hasattr(os, "register_at_fork"):
        os.register_at_fork(after_in_child=after_fork)
    start_thread()


_leave_sys_path()
try:
    _start()
except Exception as _error:  # a hook that fails must not stop the program
    sys.stderr.write("memgate: Python heap attribution is off: %s\n" % (_error,))

# Chain to the target's own sitecustomize: it replaces this module in sys.modules (the
# import system takes whatever is there when this file ends); without one, this stays.
_self = sys.modules.pop("sitecustomize")
try:
    import sitecustomize  # noqa: F401,E402
except ImportError as _e:
    sys.modules["sitecustomize"] = _self
    if getattr(_e, "name", None) != "sitecustomize":
        raise
