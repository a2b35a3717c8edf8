#include "sys/child.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <map>

#include "memgate/error.h"
#include "sys/proc_files.h"
#include "sys/proc_parse.h"

extern char** environ;

namespace memgate::sys {

std::string signal_name(int sig) {
  const char* abbrev = sigabbrev_np(sig);
  return abbrev ? std::string("SIG") + abbrev : "signal " + std::to_string(sig);
}

std::string ExitStatus::describe() const {
  if (!signaled) return "exited with status " + std::to_string(code);
  const char* text = sigdescr_np(signal);
  return "killed by " + signal_name(signal) + (text ? std::string(" (") + text + ")" : "") +
         (core_dumped ? ", core dumped" : "");
}

ExitStatus decode_wait_status(int status) {
  ExitStatus out;
  if (WIFSIGNALED(status)) {
    out.signaled = true;
    out.signal = WTERMSIG(status);
    out.core_dumped = WCOREDUMP(status);
  } else {
    out.code = WEXITSTATUS(status);
  }
  return out;
}

namespace {

constexpr int kCgroupErrorFlag = 1 << 20;  // on the error pipe: the cgroup write failed, not exec

std::vector<std::string> merged_environment(const std::vector<std::string>& overrides) {
  std::map<std::string, std::string> env;
  for (char** e = environ; *e; ++e) {
    const std::string entry(*e);
    env[entry.substr(0, entry.find('='))] = entry;
  }
  for (const auto& entry : overrides) env[entry.substr(0, entry.find('='))] = entry;
  std::vector<std::string> out;
  for (auto& [key, entry] : env) out.push_back(std::move(entry));
  return out;
}

std::vector<char*> c_array(std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (auto& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

}  // namespace

Child Child::spawn(const SpawnOptions& options) {
  if (options.argv.empty())
    throw Error(ExitCode::usage, "no command given: put it after '--', e.g. memgate run -- ./server");
  // Everything the child needs is built before fork: after fork only async-signal-safe calls.
  std::vector<std::string> argv_strings = options.argv;
  std::vector<std::string> env_strings = merged_environment(options.env_set);
  std::vector<char*> argv = c_array(argv_strings);
  std::vector<char*> envp = c_array(env_strings);

  const pid_t parent = ::getpid();
  int cgroup_fd = -1;
  if (!options.cgroup_procs.empty()) {
    cgroup_fd = ::open(options.cgroup_procs.c_str(), O_WRONLY | O_CLOEXEC);
    if (cgroup_fd < 0) throw Error(ExitCode::internal, errno_message("cannot open " + options.cgroup_procs, errno));
  }
  int error_pipe[2];
  if (::pipe2(error_pipe, O_CLOEXEC) != 0) {
    const int err = errno;
    if (cgroup_fd >= 0) ::close(cgroup_fd);
    throw Error(ExitCode::internal, errno_message("pipe2", err));
  }

  const pid_t pid = ::fork();
  if (pid < 0) {
    const int err = errno;
    ::close(error_pipe[0]);
    ::close(error_pipe[1]);
    if (cgroup_fd >= 0) ::close(cgroup_fd);
    throw Error(ExitCode::internal, errno_message("fork", err));
  }
  if (pid == 0) {
    ::setpgid(0, 0);
    // "0" is the writing process itself, in v1 and v2 alike.
    if (cgroup_fd >= 0 && ::write(cgroup_fd, "0\n", 2) != 2) {
      const int err = errno | kCgroupErrorFlag;
      [[maybe_unused]] auto written = ::write(error_pipe[1], &err, sizeof err);
      ::_exit(127);
    }
    // The target dies with memgate, even a memgate killed by SIGKILL (the rest of its
    // group: sys/watchdog.h). Checking the parent closes the race of a memgate that died
    // before the prctl. The death signal follows the spawning thread: spawn from a
    // thread that lives as long as the run (the session's).
    if (::prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || ::getppid() != parent) ::_exit(127);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGPIPE, SIGCHLD}) ::signal(sig, SIG_DFL);
    int err = 0;
    if (options.stdin_fd >= 0 && ::dup2(options.stdin_fd, STDIN_FILENO) < 0) {
      err = errno;
    } else if (options.output_fd >= 0 &&
               (::dup2(options.output_fd, STDOUT_FILENO) < 0 || ::dup2(options.output_fd, STDERR_FILENO) < 0)) {
      err = errno;
    } else if (!options.cwd.empty() && ::chdir(options.cwd.c_str()) != 0) {
      err = errno;
    } else {
      ::execvpe(argv[0], argv.data(), envp.data());
      err = errno;
    }
    [[maybe_unused]] auto written = ::write(error_pipe[1], &err, sizeof err);
    ::_exit(127);
  }
  ::setpgid(pid, pid);  // also in the parent: no race with an early signal_group()
  ::close(error_pipe[1]);
  if (cgroup_fd >= 0) ::close(cgroup_fd);
  int child_errno = 0;
  ssize_t n;
  do {
    n = ::read(error_pipe[0], &child_errno, sizeof child_errno);
  } while (n < 0 && errno == EINTR);
  ::close(error_pipe[0]);
  if (n == static_cast<ssize_t>(sizeof child_errno)) {
    int status = 0;
    ::waitpid(pid, &status, 0);
    if (child_errno & kCgroupErrorFlag)
      throw Error(ExitCode::internal, "cannot put the target in its cgroup (" + options.cgroup_procs +
                                          "): " + std::strerror(child_errno & ~kCgroupErrorFlag));
    struct stat st {};
    const bool directory = ::stat(options.argv[0].c_str(), &st) == 0 && S_ISDIR(st.st_mode);
    std::string hint = child_errno == ENOENT   ? " (check the path, or that it is on PATH)"
                       : directory             ? " (it is a directory: give the program inside it)"
                       : child_errno == EACCES ? " (is it executable? chmod +x)"
                                               : "";
    throw Error(ExitCode::target_failed,
                "cannot start '" + options.argv[0] + "': " + std::strerror(child_errno) + hint);
  }
  return Child(pid);
}

Child::Child(Child&& other) noexcept : pid_(other.pid_), status_(std::move(other.status_)) { other.pid_ = -1; }

Child::~Child() {
  if (pid_ <= 0) return;
  signal_group(SIGKILL);  // whatever of the group is left: never leave load behind
  if (!status_) wait();
  reap_group(1.0);
}

std::optional<ExitStatus> Child::poll() {
  if (status_ || pid_ <= 0) return status_;
  int status = 0;
  pid_t r;
  do {
    r = ::waitpid(pid_, &status, WNOHANG);
  } while (r < 0 && errno == EINTR);
  if (r == pid_) status_ = decode_wait_status(status);
  return status_;
}

ExitStatus Child::wait() {
  while (!status_) {
    int status = 0;
    const pid_t r = ::waitpid(pid_, &status, 0);
    if (r == pid_) status_ = decode_wait_status(status);
    else if (r < 0 && errno != EINTR) status_ = ExitStatus{true, 0, SIGKILL, false};  // already reaped elsewhere
  }
  return *status_;
}

bool Child::signal_group(int sig) const { return pid_ > 0 && ::kill(-pid_, sig) == 0; }

bool Child::reap_group(double timeout_s) {
  if (pid_ <= 0) return true;
  for (double waited = 0;; waited += 0.01) {
    while (::waitpid(-pid_, nullptr, WNOHANG) > 0) {
    }
    if (::kill(-pid_, 0) != 0) return true;  // nothing left in the group
    if (waited >= timeout_s) return false;
    ::usleep(10000);
  }
}

std::vector<AdoptedExit> reap_adopted(pid_t keep_a, pid_t keep_b) {
  std::vector<AdoptedExit> out;
  std::string text;
  for (;;) {
    siginfo_t info{};
    if (::waitid(P_ALL, 0, &info, WEXITED | WNOHANG | WNOWAIT) != 0 || info.si_pid == 0) break;
    const pid_t pid = info.si_pid;
    // The target's status belongs to Child::poll; the next tick reaps it and goes on.
    if (pid == keep_a || pid == keep_b) break;
    char path[64];
    std::snprintf(path, sizeof path, "/proc/%d/stat", pid);
    std::string comm;
    if (read_file_into(path, text))
      if (const auto stat = parse_stat(text)) comm = stat->comm;
    int status = 0;
    if (::waitpid(pid, &status, WNOHANG) != pid) break;
    out.push_back({pid, std::move(comm), decode_wait_status(status)});
  }
  return out;
}

namespace {

bool still_alive(const ProcessIdentity& p, std::string& text) {
  char path[64];
  std::snprintf(path, sizeof path, "/proc/%d/stat", p.pid);
  if (!read_file_into(path, text)) return false;
  const auto stat = parse_stat(text);
  return stat && stat->state != 'Z' && stat->state != 'X' && stat->starttime_ticks == p.start_ticks;
}

}  // namespace

void stop_processes(const std::vector<ProcessIdentity>& processes, double grace_s, pid_t keep) {
  std::string text;
  for (const auto& p : processes)
    if (still_alive(p, text)) ::kill(p.pid, SIGTERM);
  for (int sig : {0, SIGKILL}) {
    for (double waited = 0;; waited += 0.01) {
      reap_adopted(keep, keep);
      bool any = false;
      for (const auto& p : processes) any = any || still_alive(p, text);
      if (!any) return;
      if (waited >= (sig == 0 ? grace_s : 1.0)) break;
      ::usleep(10000);
    }
    if (sig == SIGKILL) return;
    for (const auto& p : processes)
      if (still_alive(p, text)) ::kill(p.pid, SIGKILL);
  }
}

bool is_crash_signal(int sig) {
  switch (sig) {
    case SIGSEGV:
    case SIGBUS:
    case SIGILL:
    case SIGFPE:
    case SIGABRT:
    case SIGQUIT:
    case SIGTRAP:
    case SIGSYS:
    case SIGXCPU:
    case SIGXFSZ: return true;
    default: return false;
  }
}

void become_subreaper() { ::prctl(PR_SET_CHILD_SUBREAPER, 1); }

}  // namespace memgate::sys
