#include "load/transport.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "memgate/error.h"

namespace memgate::load {
namespace {

std::int64_t mono_ns() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

// A pipe whose reader is gone raises SIGPIPE, which would kill memgate: block it in
// the writing thread (once) and read the EPIPE instead.
void block_sigpipe_in_this_thread() {
  thread_local bool blocked = false;
  if (blocked) return;
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGPIPE);
  ::pthread_sigmask(SIG_BLOCK, &set, nullptr);
  blocked = true;
}

void discard_pending_sigpipe() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGPIPE);
  timespec zero{};
  while (::sigtimedwait(&set, nullptr, &zero) == SIGPIPE) {
  }
}

}  // namespace

FdTransport::FdTransport(int fd, std::string description) : fd_(fd), description_(std::move(description)) {
  struct stat st{};
  is_socket_ = ::fstat(fd_, &st) == 0 && S_ISSOCK(st.st_mode);
  // A 64 KiB pipe holds ~4 ms of records at 100,000/s: a target that pauses for a GC
  // or a page-cache stall would block the sender and make every queued record late.
  // 1 MiB (the default /proc/sys/fs/pipe-max-size) absorbs ~70 ms; best effort, an
  // unprivileged user over its pipe quota keeps the default.
  if (S_ISFIFO(st.st_mode)) ::fcntl(fd_, F_SETPIPE_SZ, kPipeBytes);
  const int flags = ::fcntl(fd_, F_GETFL);
  if (flags < 0 || ::fcntl(fd_, F_SETFL, flags | O_NONBLOCK) != 0)
    throw Error(ExitCode::internal, errno_message("fcntl O_NONBLOCK on " + description_, errno));
}

FdTransport::~FdTransport() { close(); }

void FdTransport::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

std::size_t FdTransport::write(std::string_view bytes, const std::atomic<bool>& stop) {
  if (!is_socket_) block_sigpipe_in_this_thread();
  std::size_t done = 0;
  while (done < bytes.size() && fd_ >= 0 && !peer_closed_) {
    const ssize_t n = is_socket_ ? ::send(fd_, bytes.data() + done, bytes.size() - done, MSG_NOSIGNAL)
                                 : ::write(fd_, bytes.data() + done, bytes.size() - done);
    if (n > 0) {
      done += static_cast<std::size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      if (stop.load(std::memory_order_relaxed)) break;
      pollfd p{fd_, POLLOUT, 0};
      const std::int64_t t0 = mono_ns();
      ::poll(&p, 1, 50);  // bounded so that stop is noticed
      blocked_ns_ += mono_ns() - t0;
      continue;
    }
    if (n < 0 && (errno == EPIPE || errno == ECONNRESET)) {
      if (!is_socket_) discard_pending_sigpipe();
      peer_closed_ = true;
      break;
    }
    throw Error(ExitCode::internal, errno_message("write to " + description_, errno));
  }
  return done;
}

namespace {

template <typename Connect>
int connect_retrying(const std::string& what, double timeout_s, const std::atomic<bool>& stop, Connect connect) {
  const std::int64_t deadline = mono_ns() + static_cast<std::int64_t>(timeout_s * 1e9);
  int last_errno = 0;
  while (true) {
    const int fd = connect(last_errno);
    if (fd >= 0) return fd;
    const bool retryable = last_errno == ENOENT || last_errno == ECONNREFUSED || last_errno == EAGAIN;
    if (!retryable || mono_ns() >= deadline || stop.load()) break;
    ::usleep(20'000);
  }
  throw Error(ExitCode::target_failed,
              "could not connect to " + what + " within " + std::to_string(static_cast<int>(timeout_s)) + " s: " +
                  std::strerror(last_errno) + "; check that the target listens there (traffic.transport)");
}

}  // namespace

std::string unix_path_problem(const std::string& path) {
  static_assert(kMaxUnixPathBytes + 1 == sizeof(sockaddr_un{}.sun_path));
  if (path.empty()) return "expected a socket path";
  if (path.size() > kMaxUnixPathBytes)
    return "unix socket path is " + std::to_string(path.size()) + " bytes, the kernel takes at most " +
           std::to_string(kMaxUnixPathBytes) + "; use a shorter (e.g. relative to the scenario, or in /tmp) path";
  return {};
}

int connect_unix(const std::string& path, double timeout_s, const std::atomic<bool>& stop) {
  sockaddr_un addr{};
  if (const std::string problem = unix_path_problem(path); !problem.empty())
    throw Error(ExitCode::usage, "traffic.transport.path: " + problem);
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  return connect_retrying("unix socket " + path, timeout_s, stop, [&](int& err) {
    const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) throw Error(ExitCode::internal, errno_message("socket(AF_UNIX)", errno));
    if (::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0) return fd;
    err = errno;
    ::close(fd);
    return -1;
  });
}

int connect_tcp(const std::string& host, int port, double timeout_s, const std::atomic<bool>& stop) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  if (port <= 0 || port > 65535 || ::inet_pton(AF_INET, host.c_str(), &addr.sin_addr) != 1)
    throw Error(ExitCode::usage, "traffic.transport: expected an IPv4 host and a port 1-65535, got " + host + ":" +
                                     std::to_string(port));
  return connect_retrying("tcp " + host + ":" + std::to_string(port), timeout_s, stop, [&](int& err) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) throw Error(ExitCode::internal, errno_message("socket(AF_INET)", errno));
    if (::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0) {
      const int one = 1;
      ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);  // records must not wait for Nagle
      return fd;
    }
    err = errno;
    ::close(fd);
    return -1;
  });
}

}  // namespace memgate::load
