#!/usr/bin/env python3
"""tracemalloc's own cost on an allocation-heavy loop (docs/attribution-python.md#cost):
parses RECORDS small JSON records and drops them in batches of 1,000; prints the seconds.
Run bare and with tracemalloc on, e.g.:
  /usr/bin/python3 tests/bench/tracemalloc_loop.py 200000
  /usr/bin/python3 -X tracemalloc=1 tests/bench/tracemalloc_loop.py 200000
  /usr/bin/python3 -X tracemalloc=5 tests/bench/tracemalloc_loop.py 200000
"""
import json
import sys
import time

records = int(sys.argv[1]) if len(sys.argv) > 1 else 200000
start = time.monotonic()
batch = []
for i in range(records):
    batch.append(json.loads('{"a": %d, "b": "xyz", "c": [1, 2, 3]}' % i))
    if len(batch) > 1000:
        batch.clear()
print("%.3f" % (time.monotonic() - start))
