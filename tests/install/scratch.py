"""What the install tests share (install_test.py, ../consumer/consumer_test.py): running a
command that must succeed, memgate's environment without its overrides, and the driver that
installs a build into a scratch prefix and reports the failures a check collected."""
import os
import subprocess
import sys
import tempfile


def run(argv):
    r = subprocess.run(argv, capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"FAIL: {' '.join(argv)} exited {r.returncode}:\n{r.stdout}{r.stderr}")
    return r


def clean_env():
    """The environment without memgate's overrides: the copy must find its parts itself."""
    return {k: v for k, v in os.environ.items() if not k.startswith("MEMGATE_")}


def main_in_scratch_prefix(label, checks, install_args=()):
    """Installs BUILD_DIR (argv[1]) into TMP/prefix with `cmake --install BUILD_DIR
    [install_args]`, calls checks(build, tmp, prefix, failures) and prints each failure:
    the exit code, 1 when any."""
    build = sys.argv[1]
    failures = []
    with tempfile.TemporaryDirectory(prefix=f"memgate-{label}-") as tmp:
        prefix = os.path.join(tmp, "prefix")
        run(["cmake", "--install", build, *install_args, "--prefix", prefix])
        checks(build, tmp, prefix, failures)
    for f in failures:
        print("FAIL: " + f)
    return 1 if failures else 0
