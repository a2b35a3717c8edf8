#!/usr/bin/python3
"""A psrecord-style poller: runs CMD and logs its tree's RSS and CPU at a fixed rate.

What users reach for when they want "memory over time" without a profiler: psutil
polling (psrecord does exactly this). Writes "elapsed_s cpu_percent rss_bytes" lines to
LOG and a last line "peak_rss_bytes N"; exits with CMD's status.

usage: peers_poller.py LOG HZ CMD [ARGS...]   (stdin, stdout and stderr go to CMD)
"""
import subprocess
import sys
import time

import psutil


def tree_sample(proc):
    """Summed RSS (bytes) and CPU percent of proc and its descendants; gone ones count 0."""
    rss, cpu = 0, 0.0
    for p in [proc] + proc.children(recursive=True):
        try:
            rss += p.memory_info().rss
            cpu += p.cpu_percent()
        except psutil.Error:
            pass
    return rss, cpu


def main():
    log_path, hz, cmd = sys.argv[1], float(sys.argv[2]), sys.argv[3:]
    child = subprocess.Popen(cmd)
    proc = psutil.Process(child.pid)
    start = time.monotonic()
    peak = 0
    with open(log_path, "w") as log:
        tick = 0
        while child.poll() is None:
            try:
                rss, cpu = tree_sample(proc)
            except psutil.Error:  # exited between poll() and the read
                break
            peak = max(peak, rss)
            log.write("%.3f %.1f %d\n" % (time.monotonic() - start, cpu, rss))
            tick += 1
            time.sleep(max(0.0, start + tick / hz - time.monotonic()))
        log.write("peak_rss_bytes %d\n" % peak)
    sys.exit(child.wait())


if __name__ == "__main__":
    main()
