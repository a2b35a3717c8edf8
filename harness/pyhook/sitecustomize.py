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
    import collections
    import errno
    import gc
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
    # Traces whose innermost frame is the hook's own work (or the import system's) are left out.
    skip = {__file__, tracemalloc.__file__, linecache.__file__, "<frozen importlib._bootstrap>",
            "<frozen importlib._bootstrap_external>", "<unknown>"}
    # tracemalloc's raw traces: (domain, size, frames innermost first, total frames), without
    # building a Snapshot's Python objects for every trace.
    get_traces = getattr(tracemalloc, "_get_traces", None) or (lambda: tracemalloc.take_snapshot().traces._traces)
    get_object_traceback = getattr(tracemalloc, "_get_object_traceback", None) or (
        lambda obj: tuple((f.filename, f.lineno) for f in reversed(tracemalloc.get_object_traceback(obj) or ())))
    scalars = {str, bytes, int, float, complex}
    collections_ = {list, dict, set, collections.deque}
    state = {"pid": os.getpid(), "first": None, "tracked": {}, "fd": None, "seq": None, "tick": None, "cost": 0.0,
             "lock": threading.Lock()}

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

    def site_of(tb):
        # The innermost frame in the program's own code: json.loads or dict() called on a
        # line is that line's allocation, not the standard library's. `tb` is
        # tracemalloc's raw traceback, innermost first.
        for frame in tb:
            if not is_library(frame[0]):
                return frame
        return tb[0]

    def keepers(by_line):
        # Values kept by a large collection count for the line that made the collection's
        # element, not the line that allocated the value: a record parsed by json.loads on
        # one line and copied into a dict appended to a list on another is the second
        # line's. Only the scalars (str, bytes, int, float) an element alone refers to move,
        # one level down, from a sample of at most 128 elements of the 16 largest
        # collections: the cost stays bounded however much the program keeps.
        objs = gc.get_objects()
        big = [o for o in objs if type(o) in collections_ and len(o) >= 256]
        del objs
        big.sort(key=len, reverse=True)
        moves = {}
        for c in big[:16]:
            members = list(c.values()) if type(c) is dict else list(c)
            sample = members[::max(1, len(members) // 128)]
            scale = len(members) / len(sample)
            del members
            for m in sample:
                tb = get_object_traceback(m)
                if not tb:
                    continue
                to = site_of(tb)
                # A dict's referents leave out its str keys: they are listed here.
                refs = [*m.keys(), *m.values()] if type(m) is dict else gc.get_referents(m)
                for r in refs:
                    # 4 references: m, refs, r, getrefcount's argument
                    if type(r) not in scalars or sys.getrefcount(r) > 4:
                        continue
                    tb = get_object_traceback(r)
                    if tb:
                        frm = site_of(tb)
                        if frm != to:
                            moves[(frm, to)] = moves.get((frm, to), 0) + sys.getsizeof(r) * scale
            del sample
        for (frm, to), size in moves.items():
            if frm in by_line and to in by_line:
                size = min(int(size), by_line[frm][0])
                by_line[frm][0] -= size
                by_line[to][0] += size

    def snapshot(seq, label):
        by_traceback = collections.defaultdict(list)
        for trace in get_traces():  # one pass, no allocation per trace
            by_traceback[trace[2]].append(trace[1])
        by_line, biggest = {}, {}
        for tb, sizes in by_traceback.items():
            if not tb or tb[0][0] in skip:
                continue
            k = site_of(tb)
            size = sum(sizes)
            row = by_line.setdefault(k, [0, 0])
            row[0] += size
            row[1] += len(sizes)
            if size > biggest.get(k, (0, None))[0]:
                biggest[k] = (size, tb)
        del by_traceback
        try:
            keepers(by_line)
        except Exception:  # a collection changed size while it was read: sites as allocated
            pass
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
                tracebacks[k] = [[f[0], f[1]] for f in biggest[k][1]]
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
            began = time.monotonic()
            try:
                snapshot(seq, label)
            except Exception:  # never break the target
                pass
            state["cost"] = time.monotonic() - began

    def period(age_s):
        return 1 if age_s < 30 else 5 if age_s < 600 else 60

    def poll():
        # memgate's requests (phase changes, its own schedule) and the hook's own cadence:
        # a snapshot on every multiple of the period on the wall clock (so the processes of
        # a tree snapshot together, under one SEQ), the period growing with the process's
        # age; after a snapshot that took d seconds, none for 2 d (at most a third of the time
        # on a loaded machine, where a snapshot of 100,000 traces takes 0.6 s).
        born = time.monotonic()
        rest_until = 0.0
        while True:
            r = request()
            if r and r[0] != state["seq"]:
                state["seq"] = r[0]
                take(*r)
                rest_until = time.monotonic() + 2 * state["cost"]
            age = time.monotonic() - born
            now, p = time.time(), period(age)
            tick = int(now // p) * p
            if tick != state["tick"] and age >= p and time.monotonic() >= rest_until:
                state["tick"] = tick
                take("auto:%d" % tick, "periodic")
                rest_until = time.monotonic() + 2 * state["cost"]
            time.sleep(poll_s)

    def start_thread():
        threading.Thread(target=poll, name="memgate-pyheap", daemon=True).start()

    def after_fork():
        # A forked child reports for itself: its own pid, channel descriptor and poller.
        state.update(pid=os.getpid(), fd=None, tick=None, lock=threading.Lock())
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
