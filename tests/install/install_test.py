#!/usr/bin/python3
"""Installed copies of memgate find their parts inside themselves, not in the build tree.

Installs the build into a scratch prefix (`cmake --install`), builds the Debian package
with cpack and extracts it (`dpkg-deb -x`) into a scratch root, then from each copy runs
`memgate doctor --json` (every part found under that copy) and a short gate whose
verdict is known: a `sleep` (about 2 MiB) over --max-rss 1M fails the rss-budget check
(exit 1); memgate-spawn starts it, the probe (--allocator glibc) passes the allocator
check, and the report scripts draw timeline.png. The man pages, bash completion and docs
are checked to be there.

usage: install_test.py BUILD_DIR
"""
import json
import os
import re
import subprocess
import sys
import tempfile

from scratch import clean_env, main_in_scratch_prefix, run

# Installed but not looked up by memgate.
FILES = ["share/man/man1/memgate.1", "share/man/man1/memgate-run.1", "share/bash-completion/completions/memgate",
         "share/doc/memgate/README.md", "share/memgate/schemas/report.schema.json",
         # growth.html's flame graph library (reports/flamegraph: npm ci, ci/setup)
         "share/memgate/reports/flamegraph/node_modules/d3/dist/d3.min.js",
         "share/memgate/reports/flamegraph/node_modules/d3-flame-graph/dist/d3-flamegraph.umd.min.js",
         # The in-process gates (tests/consumer/ builds a project against them).
         "include/memgate/gtest.h", "lib/libmemgate_gate.a", "lib/libmemgate_alloc_counting.a",
         "lib/cmake/memgate/memgateConfig.cmake",
         "lib/pkgconfig/memgate.pc"]
# The package's gate archive carries no debug information (cpack strips it: 34.4 MB in a
# RelWithDebInfo build, 2.0 MB stripped); its symbol table stays, which a link needs.
DEB_ARCHIVE_LIMIT = 4 << 20
PARTS = ["memgate-spawn", "probe library", "heap sampler library", "report scripts", "pipelines", "scenarios", "schemas",
         "Python startup hook"]


def check_copy(label, prefix, failures):
    memgate = os.path.join(prefix, "bin", "memgate")
    r = subprocess.run([memgate, "doctor", "--json"], capture_output=True, text=True, env=clean_env())
    if r.returncode not in (0, 3):
        failures.append(f"{label}: memgate doctor --json exited {r.returncode}: {r.stderr}")
        return
    parts = json.loads(r.stdout)["parts"]
    real = os.path.realpath(prefix) + "/"
    for name in PARTS:
        part = parts.get(name, {})
        if not part.get("found") or part.get("found_in") != "installed" or not part["path"].startswith(real):
            failures.append(f"{label}: part {name!r} not found inside {real}: {part}")
    print(f"{label}: doctor found {len(PARTS)} parts under {real}")
    for path in FILES:
        if not os.path.isfile(os.path.join(prefix, path)):
            failures.append(f"{label}: {path} not installed (man pages need help2man: ci/setup installs it)")

    with tempfile.TemporaryDirectory(prefix="memgate-gate-") as out:
        gate = [memgate, "run", "--quiet", "--out", out + "/run", "--allocator", "glibc", "--max-rss", "1M",
                "--duration", "2s", "--", "sleep", "5"]
        r = subprocess.run(gate, capture_output=True, text=True, env=clean_env())
        if r.returncode != 1:
            failures.append(f"{label}: gate exited {r.returncode}, expected 1 (rss budget failed): {r.stdout}{r.stderr}")
        report = json.load(open(out + "/run/report.json"))
        outcomes = {c["id"]: c["outcome"] for c in report["checks"]}
        if report["verdict"]["outcome"] != "fail" or outcomes.get("rss-budget") != "fail":
            failures.append(f"{label}: verdict {report['verdict']}, expected fail by rss-budget")
        if outcomes.get("allocator") != "pass":
            failures.append(f"{label}: allocator check {outcomes.get('allocator')!r}: the installed probe did not load")
        if not os.path.exists(out + "/run/timeline.png"):
            failures.append(f"{label}: no timeline.png from the installed report scripts (ci/setup installs "
                            f"python3-matplotlib): {r.stderr}")
    print(f"{label}: gate exit {r.returncode}")


def check_stripped_archive(prefix, failures):
    archive = os.path.join(prefix, "lib", "libmemgate_gate.a")
    size = os.path.getsize(archive)
    symbols = run(["nm", "-C", "--defined-only", archive]).stdout
    if size > DEB_ARCHIVE_LIMIT or "memgate::gate::no_leak(" not in symbols:
        failures.append(f"{archive}: {size} bytes (limit {DEB_ARCHIVE_LIMIT}: strip --strip-debug at cpack), "
                        f"memgate::gate::no_leak {'defined' if 'memgate::gate::no_leak(' in symbols else 'missing'}")
    print(f"dpkg-deb -x: libmemgate_gate.a {size} bytes, symbols kept")


def checks(build, tmp, prefix, failures):
    check_copy("cmake --install", prefix, failures)

    run(["cpack", "-G", "DEB", "--config", os.path.join(build, "CPackConfig.cmake"), "-B", tmp + "/pkg"])
    debs = [f for f in os.listdir(tmp + "/pkg") if f.endswith(".deb")]
    if len(debs) != 1 or not re.fullmatch(r"memgate_\d+\.\d+\.\d+_amd64\.deb", debs[0]):
        sys.exit(f"FAIL: expected one memgate_VERSION_amd64.deb, got {debs}")
    deb = os.path.join(tmp, "pkg", debs[0])
    depends = run(["dpkg-deb", "-f", deb, "Depends"]).stdout
    for package in ("libc6", "libstdc++6"):
        if package not in depends:
            failures.append(f"{debs[0]}: Depends lacks {package} (dpkg-shlibdeps): {depends}")
    print(f"{debs[0]}: Depends: {depends.strip()}, {os.path.getsize(deb)} bytes")
    root = os.path.join(tmp, "root")
    run(["dpkg-deb", "-x", deb, root])
    check_copy("dpkg-deb -x", os.path.join(root, "usr"), failures)
    check_stripped_archive(os.path.join(root, "usr"), failures)


if __name__ == "__main__":
    sys.exit(main_in_scratch_prefix("install", checks))
