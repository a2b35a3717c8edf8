#include "sys/watchdog.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <dirent.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "memgate/error.h"

namespace memgate::sys {

namespace {

struct Message {
  std::int32_t kind;  // kWatch or kRelease
  std::int32_t pid;
  std::uint64_t start_ticks;
};
constexpr std::int32_t kWatch = 1;
constexpr std::int32_t kRelease = 2;
constexpr int kMaxWatched = 4096;  // a ring: the oldest entries are the likeliest to be gone

// Field 22 of /proc/PID/stat, or 0. Only async-signal-safe calls: the watchdog is forked
// from a multithreaded memgate and never execs.
// "/proc/PID/<file>" into path (40 bytes), without snprintf (not async-signal-safe).
void proc_path(pid_t pid, const char* file, char* path) {
  char digits[12];
  int n = 0;
  for (unsigned v = static_cast<unsigned>(pid); v > 0 || n == 0; v /= 10) digits[n++] = static_cast<char>('0' + v % 10);
  int at = 0;
  for (const char* s = "/proc/"; *s; ++s) path[at++] = *s;
  while (n > 0) path[at++] = digits[--n];
  path[at++] = '/';
  for (const char* s = file; *s && at < 39; ++s) path[at++] = *s;
  path[at] = '\0';
}

std::uint64_t start_ticks_of(pid_t pid) {
  char path[40];
  proc_path(pid, "stat", path);
  const int fd = ::open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  char buf[1024];
  const ssize_t got = ::read(fd, buf, sizeof buf - 1);
  ::close(fd);
  if (got <= 0) return 0;
  int close_paren = -1;
  for (int i = 0; i < got; ++i)
    if (buf[i] == ')') close_paren = i;
  if (close_paren < 0) return 0;
  int field = 2;
  std::uint64_t value = 0;
  for (int i = close_paren + 1; i < got; ++i) {
    if (buf[i] == ' ') {
      if (field == 22) return value;
      ++field;
      value = 0;
    } else if (field == 22 && buf[i] >= '0' && buf[i] <= '9') {
      value = value * 10 + static_cast<std::uint64_t>(buf[i] - '0');
    }
  }
  return field == 22 ? value : 0;
}

bool environ_has(pid_t pid, const char* entry, std::size_t entry_len) {
  char path[40];
  proc_path(pid, "environ", path);
  const int fd = ::open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  static char buf[1 << 16];  // environments larger than this are searched in their first 64 KiB
  std::size_t used = 0;
  for (ssize_t n; used < sizeof buf && (n = ::read(fd, buf + used, sizeof buf - used)) > 0;)
    used += static_cast<std::size_t>(n);
  ::close(fd);
  for (std::size_t at = 0; at + entry_len <= used;) {  // NUL-separated KEY=VALUE entries
    std::size_t end = at;
    while (end < used && buf[end] != '\0') ++end;
    if (end - at == entry_len && std::memcmp(buf + at, entry, entry_len) == 0) return true;
    at = end + 1;
  }
  return false;
}

// Every process that inherited the run's token in its environment: descendants memgate
// never saw (one that left the group in the last instant before memgate died).
void kill_marked(const char* entry) {
  const std::size_t entry_len = std::strlen(entry);
  const pid_t self = ::getpid();
  const int dir = ::open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir < 0) return;
  static char buf[1 << 15];
  for (ssize_t n; (n = ::getdents64(dir, buf, sizeof buf)) > 0;) {
    for (ssize_t at = 0; at < n;) {
      const auto* d = reinterpret_cast<const struct dirent64*>(buf + at);
      at += d->d_reclen;
      pid_t pid = 0;
      const char* c = d->d_name;
      for (; *c >= '0' && *c <= '9'; ++c) pid = pid * 10 + (*c - '0');
      if (*c != '\0' || pid <= 1 || pid == self) continue;
      if (environ_has(pid, entry, entry_len)) ::kill(pid, SIGKILL);
    }
  }
  ::close(dir);
}

// Every process in the cgroup, until it is empty; then the cgroup itself. Up to ~2 s:
// SIGKILLed processes leave the cgroup as they exit.
void empty_cgroup(const char* procs_path, const char* dir) {
  static char buf[1 << 16];
  for (int attempt = 0; attempt < 200; ++attempt) {
    const int fd = ::open(procs_path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return;  // gone already
    ssize_t used = 0;
    for (ssize_t n; used < static_cast<ssize_t>(sizeof buf) && (n = ::read(fd, buf + used, sizeof buf - used)) > 0;)
      used += n;
    ::close(fd);
    bool any = false;
    pid_t pid = 0;
    for (ssize_t i = 0; i < used; ++i) {
      if (buf[i] >= '0' && buf[i] <= '9') {
        pid = pid * 10 + (buf[i] - '0');
      } else {
        if (pid > 1) {
          ::kill(pid, SIGKILL);
          any = true;
        }
        pid = 0;
      }
    }
    if (!any && ::rmdir(dir) == 0) return;
    const struct timespec pause { 0, 10 * 1000 * 1000 };
    ::nanosleep(&pause, nullptr);
  }
}

[[noreturn]] void watchdog_main(int read_fd, pid_t group, const char* marker, const char* procs_path,
                                const char* cgroup_dir) {
  static Message watched[kMaxWatched];
  int count = 0, next = 0;
  for (;;) {
    Message m{};
    const ssize_t n = ::read(read_fd, &m, sizeof m);
    if (n < 0 && errno == EINTR) continue;
    if (n == static_cast<ssize_t>(sizeof m) && m.kind == kRelease) ::_exit(0);
    if (n == static_cast<ssize_t>(sizeof m) && m.kind == kWatch) {
      watched[next] = m;
      next = (next + 1) % kMaxWatched;
      if (count < kMaxWatched) ++count;
      continue;
    }
    break;  // EOF: memgate died
  }
  ::kill(-group, SIGKILL);
  for (int i = 0; i < count; ++i)
    if (watched[i].pid > 0 && start_ticks_of(watched[i].pid) == watched[i].start_ticks) ::kill(watched[i].pid, SIGKILL);
  for (int sweep = 0; sweep < 3; ++sweep) kill_marked(marker);  // again: one may have forked during a sweep
  if (*cgroup_dir) empty_cgroup(procs_path, cgroup_dir);
  ::_exit(0);
}

}  // namespace

Watchdog Watchdog::start(pid_t group, const std::string& marker, const std::string& cgroup_dir) {
  const std::string entry = std::string(kMarkerVariable) + "=" + marker;  // built before fork
  const std::string procs_path = cgroup_dir.empty() ? "" : cgroup_dir + "/cgroup.procs";
  // A packet socket rather than a pipe: one message per read, and a send to a watchdog
  // that died is an error (MSG_NOSIGNAL), not a SIGPIPE to memgate.
  int fds[2];
  if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds) != 0)
    throw Error(ExitCode::internal, errno_message("socketpair (watchdog)", errno));
  const pid_t pid = ::fork();
  if (pid < 0) {
    const int err = errno;
    ::close(fds[0]);
    ::close(fds[1]);
    throw Error(ExitCode::internal, errno_message("fork (watchdog)", err));
  }
  if (pid == 0) {
    ::setsid();  // out of memgate's group and terminal: a group kill or Ctrl-C of memgate misses it
    for (int sig : {SIGINT, SIGHUP, SIGPIPE, SIGTERM, SIGQUIT}) ::signal(sig, SIG_IGN);
    // Only the pipe stays open: holding memgate's files (its run-directory lock, a pipe
    // memgate's stdout goes to) would keep them busy after memgate died.
    if (::dup2(fds[0], 0) < 0) ::_exit(1);
    ::close_range(1, ~0U, 0);
    watchdog_main(0, group, entry.c_str(), procs_path.c_str(), cgroup_dir.c_str());
  }
  ::close(fds[0]);
  return Watchdog(pid, UniqueFd(fds[1]));
}

void Watchdog::watch(pid_t pid, std::uint64_t start_ticks) {
  if (pipe_.get() < 0) return;
  const Message m{kWatch, pid, start_ticks};
  // Never blocks the sample loop: should the socket be full, the environment marker
  // still finds this process.
  [[maybe_unused]] const auto n = ::send(pipe_.get(), &m, sizeof m, MSG_NOSIGNAL | MSG_DONTWAIT);
}

void Watchdog::release() {
  if (pipe_.get() < 0) return;
  const Message m{kRelease, 0, 0};
  [[maybe_unused]] const auto n = ::send(pipe_.get(), &m, sizeof m, MSG_NOSIGNAL);
  reap();
}

void Watchdog::reap() {
  pipe_ = UniqueFd();
  int status = 0;
  while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
}

Watchdog::~Watchdog() {
  if (pipe_.get() >= 0) reap();  // EOF: the watchdog kills what is left
}

}  // namespace memgate::sys
