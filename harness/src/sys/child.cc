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
#include "sys/install_paths.h"
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

// Where memgate-spawn is: next to memgate, in the installed libexec, or in the build tree.
const std::string& spawner_path() {
  static const std::string path = locate(Part::spawner).path;
  return path;
}

// Messages of memgate-spawn on the report pipe (sys/spawner/memgate_spawn.c).
// kCgroupFailed is memgate's own child's (before it execs the spawner).
enum : int { kSpawnerFailed = 1, kTargetPid = 2, kTargetErrno = 3, kCgroupFailed = 4 };

void reap(pid_t pid) {
  while (::waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
  }
}

[[noreturn]] void cannot_start(const SpawnOptions& options, int err) {
  struct stat st {};
  const bool directory = ::stat(options.argv[0].c_str(), &st) == 0 && S_ISDIR(st.st_mode);
  std::string hint = err == ENOENT   ? " (check the path, or that it is on PATH)"
                     : directory     ? " (it is a directory: give the program inside it)"
                     : err == EACCES ? " (is it executable? chmod +x)"
                                     : "";
  throw Error(ExitCode::target_failed, "cannot start '" + options.argv[0] + "': " + std::strerror(err) + hint);
}

}  // namespace

// memgate forks a child that execs memgate-spawn, which clones the target with
// CLONE_PARENT: the target is memgate's child, but its address space and ru_maxrss
// start from the tiny spawner's, not from memgate's (docs/ebpf.md).
Child Child::spawn(const SpawnOptions& options) {
  if (options.argv.empty())
    throw Error(ExitCode::usage, "no command given: put it after '--', e.g. memgate run -- ./server");
  const std::string& spawner = spawner_path();
  int report[2];
  if (::pipe2(report, O_CLOEXEC) != 0) throw Error(ExitCode::internal, errno_message("pipe2", errno));
  // Everything the child needs is built before fork: after fork only async-signal-safe calls.
  const pid_t parent = ::getpid();
  const char* path = std::getenv("PATH");
  std::vector<std::string> argv_strings{spawner, std::to_string(report[1]), std::to_string(parent),
                                        path ? std::string("PATH=") + path : std::string()};
  argv_strings.insert(argv_strings.end(), options.argv.begin(), options.argv.end());
  std::vector<std::string> env_strings = merged_environment(options.env_set);
  std::vector<char*> argv = c_array(argv_strings);
  std::vector<char*> envp = c_array(env_strings);

  int cgroup_fd = -1;
  if (!options.cgroup_procs.empty()) {
    cgroup_fd = ::open(options.cgroup_procs.c_str(), O_WRONLY | O_CLOEXEC);
    if (cgroup_fd < 0) {
      const int err = errno;
      ::close(report[0]);
      ::close(report[1]);
      throw Error(ExitCode::internal, errno_message("cannot open " + options.cgroup_procs, err));
    }
  }

  const pid_t spawner_pid = ::fork();
  if (spawner_pid < 0) {
    const int err = errno;
    ::close(report[0]);
    ::close(report[1]);
    if (cgroup_fd >= 0) ::close(cgroup_fd);
    throw Error(ExitCode::internal, errno_message("fork", err));
  }
  if (spawner_pid == 0) {
    // Into the cgroup before the exec: the spawner's fresh address space and the target
    // it clones are charged there from their first page. "0" is the writing process
    // itself, in v1 and v2 alike.
    if (cgroup_fd >= 0 && ::write(cgroup_fd, "0\n", 2) != 2) {
      const int message[2] = {kCgroupFailed, errno};
      [[maybe_unused]] auto written = ::write(report[1], message, sizeof message);
      ::_exit(127);
    }
    // The spawner dies with memgate too; the target binds its own death signal to memgate.
    if (::prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || ::getppid() != parent) ::_exit(127);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGPIPE, SIGCHLD}) ::signal(sig, SIG_DFL);
    int kind = kTargetErrno, err = 0;
    if (options.stdin_fd >= 0 && ::dup2(options.stdin_fd, STDIN_FILENO) < 0) {
      err = errno;
    } else if (options.output_fd >= 0 &&
               (::dup2(options.output_fd, STDOUT_FILENO) < 0 || ::dup2(options.output_fd, STDERR_FILENO) < 0)) {
      err = errno;
    } else if (!options.cwd.empty() && ::chdir(options.cwd.c_str()) != 0) {
      err = errno;
    } else if (::fcntl(report[1], F_SETFD, 0) != 0) {  // the one fd the spawner inherits
      kind = kSpawnerFailed;
      err = errno;
    } else {
      ::execve(argv[0], argv.data(), envp.data());
      kind = kSpawnerFailed;
      err = errno;
    }
    const int message[2] = {kind, err};
    [[maybe_unused]] auto written = ::write(report[1], message, sizeof message);
    ::_exit(127);
  }
  ::close(report[1]);
  if (cgroup_fd >= 0) ::close(cgroup_fd);
  // Until EOF: the spawner's and the target's ends close at their exit or exec. The
  // target's pid and its exec error may come in either order.
  pid_t pid = -1;
  int target_errno = 0, spawner_errno = 0, cgroup_errno = 0;
  for (;;) {
    int message[2] = {0, 0};
    const ssize_t n = ::read(report[0], message, sizeof message);
    if (n < 0 && errno == EINTR) continue;
    if (n != static_cast<ssize_t>(sizeof message)) break;
    if (message[0] == kTargetPid) {
      pid = message[1];
      ::setpgid(pid, pid);  // also in the parent: no race with an early signal_group()
    } else if (message[0] == kTargetErrno) {
      target_errno = message[1];
    } else if (message[0] == kCgroupFailed) {
      cgroup_errno = message[1];
    } else {
      spawner_errno = message[1];
    }
  }
  ::close(report[0]);
  int spawner_status = 0;
  while (::waitpid(spawner_pid, &spawner_status, 0) < 0 && errno == EINTR) {
  }
  if (pid > 0 && (target_errno != 0 || spawner_errno != 0)) reap(pid);
  if (cgroup_errno != 0)
    throw Error(ExitCode::internal,
                "cannot put the target in its cgroup (" + options.cgroup_procs + "): " + std::strerror(cgroup_errno));
  if (target_errno != 0) cannot_start(options, target_errno);
  if (spawner_errno != 0 || pid <= 0)
    throw Error(ExitCode::internal, "cannot run memgate's helper " + spawner + ": " +
                                        (spawner_errno != 0 ? std::string(std::strerror(spawner_errno))
                                                            : "it " + decode_wait_status(spawner_status).describe()) +
                                        " (rebuild memgate, or install memgate-spawn next to the memgate program)");
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
