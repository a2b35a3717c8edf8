#include "load/transport.h"

#include <cerrno>
#include <cstring>

#include "memgate/error.h"
#include "sys/clock.h"
#include "sys/connect.h"

namespace memgate::load {

// A 64 KiB pipe holds ~4 ms of records at 100,000/s: a target that pauses for a GC
// or a page-cache stall would block the sender and make every queued record late.
// 1 MiB (the default /proc/sys/fs/pipe-max-size) absorbs ~70 ms; best effort, an
// unprivileged user over its pipe quota keeps the default.
FdTransport::FdTransport(int fd, std::string description)
    : writer_(fd, kPipeBytes, description), description_(std::move(description)) {}

FdTransport::~FdTransport() { close(); }

void FdTransport::close() { writer_.close(); }

std::size_t FdTransport::write(std::string_view bytes, const std::atomic<bool>& stop) {
  std::size_t done = 0, end = bytes.size();
  std::int64_t finish_by_ns = 0;  // set when stop found the write inside a record
  while (done < end && writer_.is_open() && !peer_closed_) {
    const auto r = writer_.write_some(bytes.substr(done, end - done));
    using Status = sys::StreamWriter::Status;
    if (r.status == Status::wrote) {
      done += r.bytes;
      continue;
    }
    if (r.status == Status::would_block) {
      if (finish_by_ns == 0 && stop.load(std::memory_order_relaxed)) {
        // A stopped write still ends at the end of its record: a target reading a torn last
        // line counts a record that memgate never counted as delivered (a false data-loss
        // FAIL). The peer gets a bounded time to take the rest.
        if (done == 0 || bytes[done - 1] == '\n') break;
        const std::size_t newline = bytes.find('\n', done);
        end = newline == std::string_view::npos ? bytes.size() : newline + 1;
        finish_by_ns = sys::monotonic_ns() + kFinishRecordNs;
      } else if (finish_by_ns != 0 && sys::monotonic_ns() >= finish_by_ns) {
        break;
      }
      const std::int64_t t0 = sys::monotonic_ns();
      writer_.wait_writable(50);  // bounded so that stop is noticed
      blocked_ns_ += sys::monotonic_ns() - t0;
      continue;
    }
    if (r.status == Status::peer_closed) {
      peer_closed_ = true;
      break;
    }
    throw Error(ExitCode::internal, errno_message("write to " + description_, r.err));
  }
  return done;
}

namespace {

template <typename Connect>
int connect_retrying(const std::string& what, double timeout_s, const std::atomic<bool>& stop, Connect connect) {
  const std::int64_t deadline = sys::monotonic_ns() + static_cast<std::int64_t>(timeout_s * 1e9);
  int last_errno = 0;
  while (true) {
    const int fd = connect(last_errno);
    if (fd >= 0) return fd;
    const bool retryable = last_errno == ENOENT || last_errno == ECONNREFUSED || last_errno == EAGAIN;
    if (!retryable || sys::monotonic_ns() >= deadline || stop.load()) break;
    sys::sleep_for_seconds(0.02);
  }
  throw Error(ExitCode::target_failed,
              "could not connect to " + what + " within " + std::to_string(static_cast<int>(timeout_s)) +
                  " s: " + std::strerror(last_errno) + "; check that the target listens there (traffic.transport)");
}

}  // namespace

std::string unix_path_problem(const std::string& path) {
  if (path.empty()) return "expected a socket path";
  if (path.size() > kMaxUnixPathBytes)
    return "unix socket path is " + std::to_string(path.size()) + " bytes, the kernel takes at most " +
           std::to_string(kMaxUnixPathBytes) + "; use a shorter (e.g. relative to the scenario, or in /tmp) path";
  return {};
}

int connect_unix(const std::string& path, double timeout_s, const std::atomic<bool>& stop) {
  if (const std::string problem = unix_path_problem(path); !problem.empty())
    throw Error(ExitCode::usage, "traffic.transport.path: " + problem);
  return connect_retrying("unix socket " + path, timeout_s, stop,
                          [&](int& err) { return sys::connect_unix_once(path, err); });
}

int connect_tcp(const std::string& host, int port, double timeout_s, const std::atomic<bool>& stop) {
  if (port <= 0 || port > 65535 || !sys::is_ipv4_address(host))
    throw Error(ExitCode::usage, "traffic.transport: expected an IPv4 host and a port 1-65535, got " + host + ":" +
                                     std::to_string(port));
  return connect_retrying("tcp " + host + ":" + std::to_string(port), timeout_s, stop,
                          [&](int& err) { return sys::connect_tcp_once(host, port, err); });
}

}  // namespace memgate::load
