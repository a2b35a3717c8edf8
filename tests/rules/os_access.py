#!/usr/bin/python3
"""The operating-system access rule (docs/architecture.md, "Operating-system access").

Only harness/src/sys/ makes system calls or opens files itself; every other module asks
sys/. This scanner fails, naming each FILE:LINE, when C++ code under the given source
root (harness/src and harness/cli of a memgate checkout) calls the OS directly outside
sys/ and outside the ALLOWED list below.

  os_access.py [SOURCE_DIR]    # SOURCE_DIR: the checkout (default: this file's ../..)

What counts as touching the OS (comments and string literals are ignored):
  - a global-qualified call of a system call or OS facility, e.g. ::open(, ::kill(,
    ::clock_gettime(, ::mmap(, ::socket( (the project's convention is ::name( for
    those; see OS_CALLS)
  - file streams and stdio files: std::ifstream, std::ofstream, std::fstream, fopen(,
    freopen(, popen(, tmpfile(
  - process-wide signal dispositions and shells: std::signal(, signal(, sigaction(,
    system(
Allowed everywhere: std::filesystem path and directory operations, std::getenv, stdio
to stdout/stderr, pure libc functions (strnlen, gmtime_r, inet_pton...).
"""

import os
import re
import sys

# Directories scanned, relative to the source root.
SCANNED = ("harness/src", "harness/cli")
# The operating-system layer itself.
SYS_DIR = "harness/src/sys/"

# Exceptions: file -> the findings it may have, and why. Keep this short; every entry
# is also listed in docs/architecture.md.
ALLOWED = {
    # Streaming line readers and writers stay with their formats (the trace format, the
    # sample log): they read and append line by line for hours, which a whole-file
    # sys::read_text_file cannot do, and they own their line-length and size bounds.
    "harness/src/load/trace.h": {"std::ifstream", "std::ofstream"},
    "harness/src/record/sample_log.cc": {"fopen"},
}

OS_CALLS = sorted(set("""
open openat creat close read write pread pwrite readv writev lseek fsync fdatasync
fopen fdopen freopen popen pclose
stat lstat fstat fstatat statx access faccessat unlink unlinkat rename renameat mkdir
rmdir mkfifo mknod symlink readlink truncate ftruncate chmod fchmod chown chdir getcwd
opendir readdir closedir
dup dup2 dup3 pipe pipe2 fcntl ioctl flock
socket socketpair connect bind listen accept accept4 send sendto sendmsg recv recvfrom
recvmsg setsockopt getsockopt shutdown
poll ppoll select pselect epoll_create epoll_create1 epoll_ctl epoll_wait eventfd
timerfd_create timerfd_settime signalfd inotify_init inotify_init1
kill killpg tgkill raise signal sigaction sigprocmask pthread_sigmask sigtimedwait
sigwaitinfo sigsuspend pause alarm
fork vfork execl execlp execv execve execvp execvpe posix_spawn posix_spawnp system
wait waitpid waitid wait3 wait4
clock_gettime clock_nanosleep nanosleep usleep sleep gettimeofday
getrusage getrlimit setrlimit prlimit setpriority sched_setattr sched_getattr
sched_setaffinity sched_yield
mmap munmap mprotect madvise mlock munlock shm_open shm_unlink
isatty ttyname tcgetattr tcsetattr
getpid getppid gettid getpgid setpgid setsid getuid geteuid
prctl ptrace syscall uname gethostname sysconf
""".split()))

RULES = [
    ("system call", re.compile(r"(?<![\w>)\].])::(" + "|".join(OS_CALLS) + r")\s*\(")),
    ("file stream", re.compile(r"\bstd::(ifstream|ofstream|fstream|basic_ifstream|basic_ofstream|basic_fstream)\b")),
    ("stdio file", re.compile(r"(?<![\w.>])(?:std::)?(fopen|freopen|popen|tmpfile)\s*\(")),
    ("signal disposition", re.compile(r"(?<![\w.>])(?:std::)?(signal|sigaction)\s*\(")),
    ("shell", re.compile(r"(?<![\w.>])(?:std::)?(system)\s*\(")),
]

EXTENSIONS = (".cc", ".cpp", ".h", ".hpp")

RULE_TEXT = (
    "Only harness/src/sys/ touches the operating system (system calls, file streams, fopen, popen, "
    "system, signal handlers). Use or add a small sys/ facility (sys/read_file.h, sys/fs.h, "
    "sys/file_access.h, sys/fifo.h, sys/connect.h, sys/stream_writer.h, sys/clock.h, sys/signals.h, ...) "
    "instead; the rule and its few exceptions are in docs/architecture.md, \"Operating-system access\"."
)


def strip_comments_and_strings(text):
    """The code with comments, string and character literals blanked (newlines kept)."""
    out = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            i = j
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append("".join(ch if ch == "\n" else " " for ch in text[i:j]))
            i = j
        elif c == 'R' and text.startswith('R"', i) and (i == 0 or not (text[i - 1].isalnum() or text[i - 1] == "_")):
            paren = text.find("(", i + 2)
            delim = text[i + 2:paren] if paren >= 0 else ""
            end = text.find(")" + delim + '"', paren + 1) if paren >= 0 else -1
            j = n if end < 0 else end + len(delim) + 2
            out.append("".join(ch if ch == "\n" else " " for ch in text[i:j]))
            i = j
        elif c in "\"'":
            # A digit separator (1'000'000) is not a character literal.
            if c == "'" and i > 0 and text[i - 1].isalnum() and i + 1 < n and text[i + 1].isalnum():
                out.append(c)
                i += 1
                continue
            j = i + 1
            while j < n and text[j] != c and text[j] != "\n":
                j += 2 if text[j] == "\\" else 1
            out.append(c + " " * (min(j, n) - i - 1) + (c if j < n and text[j] == c else ""))
            i = j + 1 if j < n and text[j] == c else j
        else:
            out.append(c)
            i += 1
    return "".join(out)


def findings_in(rel_path, text):
    """(line, what, token) for every OS access in text."""
    found = []
    code = strip_comments_and_strings(text)
    for number, line in enumerate(code.split("\n"), start=1):
        for what, pattern in RULES:
            for m in pattern.finditer(line):
                token = m.group(0)
                name = m.group(1)
                if what == "file stream":
                    token = "std::" + name
                elif what == "system call":
                    token = "::" + name
                else:
                    token = name
                found.append((number, what, token))
    return found


def allowed(rel_path, token):
    tokens = ALLOWED.get(rel_path, set())
    return token in tokens or token.lstrip(":") in tokens


def scan(source_dir, used=None):
    """[(rel_path, line, what, token)] of every violation under source_dir. used, when
    given, collects the (rel_path, token) allow-list entries that matched something."""
    violations = []
    for top in SCANNED:
        root = os.path.join(source_dir, top)
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames.sort()
            for name in sorted(filenames):
                if not name.endswith(EXTENSIONS):
                    continue
                path = os.path.join(dirpath, name)
                rel = os.path.relpath(path, source_dir).replace(os.sep, "/")
                if rel.startswith(SYS_DIR):
                    continue
                with open(path, encoding="utf-8", errors="replace") as f:
                    text = f.read()
                for number, what, token in findings_in(rel, text):
                    if not allowed(rel, token):
                        violations.append((rel, number, what, token))
                    elif used is not None:
                        used.add((rel, token.lstrip(":")))
    return violations


def main(argv):
    source_dir = argv[1] if len(argv) > 1 else os.path.normpath(os.path.join(os.path.dirname(__file__), "..", ".."))
    if not all(os.path.isdir(os.path.join(source_dir, top)) for top in SCANNED):
        print(f"os_access: {source_dir} has no {' and '.join(SCANNED)}: give the memgate checkout", file=sys.stderr)
        return 3
    used = set()
    violations = scan(source_dir, used)
    # Not a failure (a parallel change may have just removed the last use), but say so:
    # an entry nothing needs any more should go.
    for rel, tokens in sorted(ALLOWED.items()):
        for token in sorted(tokens):
            if (rel, token) not in used:
                print(f"os_access: note: the allow-list entry {rel}: {token} matched nothing; remove it from ALLOWED")
    for rel, number, what, token in violations:
        print(f"{rel}:{number}: {what} {token} outside harness/src/sys/")
    if violations:
        print(f"\n{len(violations)} operating-system accesses outside sys/. {RULE_TEXT}")
        return 1
    print(f"os_access: no operating-system access outside harness/src/sys/ and the {len(ALLOWED)} allowed files")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
