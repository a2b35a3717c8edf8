#include "sys/child.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <map>

#include "memgate/error.h"

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

}  // namespace

Child Child::spawn(const SpawnOptions& options) {
  if (options.argv.empty()) throw Error(ExitCode::usage, "no command given: put it after '--', e.g. memgate run -- ./server");
  // Everything the child needs is built before fork: after fork only async-signal-safe calls.
  std::vector<std::string> argv_strings = options.argv;
  std::vector<std::string> env_strings = merged_environment(options.env_set);
  std::vector<char*> argv = c_array(argv_strings);
  std::vector<char*> envp = c_array(env_strings);

  int error_pipe[2];
  if (::pipe2(error_pipe, O_CLOEXEC) != 0) throw Error(ExitCode::internal, errno_message("pipe2", errno));

  const pid_t pid = ::fork();
  if (pid < 0) {
    const int err = errno;
    ::close(error_pipe[0]);
    ::close(error_pipe[1]);
    throw Error(ExitCode::internal, errno_message("fork", err));
  }
  if (pid == 0) {
    ::setpgid(0, 0);
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
  int child_errno = 0;
  ssize_t n;
  do {
    n = ::read(error_pipe[0], &child_errno, sizeof child_errno);
  } while (n < 0 && errno == EINTR);
  ::close(error_pipe[0]);
  if (n == static_cast<ssize_t>(sizeof child_errno)) {
    int status = 0;
    ::waitpid(pid, &status, 0);
    struct stat st {};
    const bool directory = ::stat(options.argv[0].c_str(), &st) == 0 && S_ISDIR(st.st_mode);
    std::string hint = child_errno == ENOENT  ? " (check the path, or that it is on PATH)"
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

void become_subreaper() { ::prctl(PR_SET_CHILD_SUBREAPER, 1); }

}  // namespace memgate::sys
