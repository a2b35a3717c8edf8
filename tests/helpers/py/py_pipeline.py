#!/usr/bin/env python3
"""A Python ingest pipeline with the reference pipelines' leaking anti-patterns.

The reference pipelines (scenarios/pipelines/) are C++ ports of Python pipelines; this is
the Python shape of their leaks, for memgate's --attribute tests: telemetry records are
generated, parsed, projected and aggregated in fixed windows, as sensor_ingest and
window_aggregate do. Each anti-pattern is one line, marked "# ANTIPATTERN: NAME", which
the tests expect at the top of the growth table:

  keep_geometries  every projected point geometry kept (sensor_ingest)
  accumulate       every parsed record kept instead of the window's aggregate (window_aggregate)
  unbounded_queue  a backlog with no bound, drained slower than it fills (sensor_ingest)

usage: py_pipeline.py [--antipattern NAME] [--rate RECORDS_PER_S] [--seconds S | --records N]
"""
import argparse
import json
import math
import os
import random
import time
from collections import deque


def metrics_writer():
    path = os.environ.get("MEMGATE_METRICS_PATH")
    if not path:
        return lambda obj: None
    fd = os.open(path, os.O_WRONLY | os.O_NONBLOCK | os.O_APPEND)

    def write(obj):
        try:
            os.write(fd, (json.dumps(dict(obj, pid=os.getpid())) + "\n").encode())
        except BlockingIOError:
            pass
    return write


def generate(rng, i):
    return json.dumps({"sensor_id": "s%03d" % (i % 100), "ts": i, "lat": 45 + rng.random(), "lon": 7 + rng.random(),
                       "pm25": round(rng.uniform(1, 80), 1)})


def project(lon, lat):
    # EPSG:4326 -> 3857, what pyproj's always_xy transformer gives
    x = lon * 20037508.34 / 180
    y = math.log(math.tan((90 + lat) * math.pi / 360)) / (math.pi / 180) * 20037508.34 / 180
    return x, y


class Pipeline:
    def __init__(self, antipattern):
        self.antipattern = antipattern
        self.window = []
        self.aggregates = deque(maxlen=16)
        self.geometries = []
        self.records = []
        self.backlog = deque()
        self.processed = 0
        self.received = 0

    def ingest(self, line):
        if self.antipattern == "unbounded_queue":
            self.backlog.append(json.loads(line))  # ANTIPATTERN: unbounded_queue
            self.received += 1
            if self.received % 3 == 0:  # the consumer keeps up with a third of the input
                self.consume(self.backlog.popleft())
            return
        self.consume(json.loads(line))

    def consume(self, record):
        x, y = project(record["lon"], record["lat"])
        if self.antipattern == "keep_geometries":
            self.geometries.append({"type": "Point", "coordinates": [x, y], "bbox": [x, y, x, y]})  # ANTIPATTERN: keep_geometries
        if self.antipattern == "accumulate":
            self.records.append(dict(record, x=x, y=y))  # ANTIPATTERN: accumulate
        self.window.append((x, y, record["pm25"]))
        if len(self.window) == 500:
            n = len(self.window)
            self.aggregates.append((sum(p[0] for p in self.window) / n, sum(p[1] for p in self.window) / n,
                                    max(p[2] for p in self.window)))
            self.window.clear()
        self.processed += 1


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--antipattern", default="")
    ap.add_argument("--rate", type=float, default=4000)
    ap.add_argument("--seconds", type=float, default=1e9)
    ap.add_argument("--records", type=int, default=0, help="process this many records flat out, print the time")
    args = ap.parse_args()
    send = metrics_writer()
    rng = random.Random(1)
    pipeline = Pipeline(args.antipattern)
    start = time.monotonic()
    if args.records:  # the overhead benchmark: fixed work, as fast as it goes
        for i in range(args.records):
            pipeline.ingest(generate(rng, i))
        print(json.dumps({"records": args.records, "seconds": time.monotonic() - start}))
        return
    i = 0
    next_metrics = [start]

    def report():  # every 0.5 s, also while catching up on a slow (loaded, traced) run
        if time.monotonic() >= next_metrics[0]:
            send({"processed": pipeline.processed, "queue_depth": len(pipeline.backlog)})
            next_metrics[0] = time.monotonic() + 0.5
    while time.monotonic() - start < args.seconds:
        target = int((time.monotonic() - start) * args.rate)
        while i < target:
            pipeline.ingest(generate(rng, i))
            i += 1
            if i % 100 == 0:
                report()
        report()
        time.sleep(0.01)
    send({"accounting": {"received": i, "processed": pipeline.processed}})


if __name__ == "__main__":
    main()
