#include "common/line_input.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "common/shutdown.h"

namespace pipelines {
namespace {

[[noreturn]] void fail(const std::string& what) { throw std::runtime_error(what + ": " + std::strerror(errno)); }

// Waits for a readable fd, returning false when a drain was requested first.
bool wait_readable(int fd) {
  for (;;) {
    if (drain_requested()) return false;
    pollfd p{fd, POLLIN, 0};
    const int r = ::poll(&p, 1, 100);
    if (r > 0) return true;
    if (r < 0 && errno != EINTR) fail("poll");
  }
}

}  // namespace

LineInput::LineInput(const std::string& spec, std::size_t max_line) : max_line_(max_line) {
  if (spec == "-" || spec == "stdin") {
    fd_ = 0;
    return;
  }
  if (spec.rfind("unix:", 0) == 0) {
    unix_path_ = spec.substr(5);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (unix_path_.size() >= sizeof addr.sun_path)
      throw std::runtime_error("--input " + spec + ": socket path too long");
    std::memcpy(addr.sun_path, unix_path_.c_str(), unix_path_.size() + 1);
    ::unlink(unix_path_.c_str());
    listen_fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (listen_fd_ < 0 || ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
      fail("--input " + spec + ": cannot bind");
  } else if (spec.rfind("tcp:", 0) == 0) {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(std::stoi(spec.substr(4))));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    const int one = 1;
    ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (listen_fd_ < 0 || ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
      fail("--input " + spec + ": cannot bind");
  } else {
    throw std::runtime_error("--input " + spec + ": expected -, stdin, unix:PATH or tcp:PORT");
  }
  if (::listen(listen_fd_, 1) != 0) fail("listen");
  if (!wait_readable(listen_fd_)) {
    eof_ = drained_ = true;
    return;
  }
  fd_ = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
  if (fd_ < 0) fail("accept");
}

LineInput::~LineInput() {
  if (fd_ > 0) ::close(fd_);
  if (listen_fd_ >= 0) ::close(listen_fd_);
  if (!unix_path_.empty()) ::unlink(unix_path_.c_str());
}

bool LineInput::fill() {
  if (eof_) return false;
  if (!wait_readable(fd_)) {
    drained_ = true;
    return false;
  }
  if (pos_ > 0) {
    buf_.erase(0, pos_);
    pos_ = 0;
  }
  char chunk[65536];
  ssize_t n;
  do n = ::read(fd_, chunk, sizeof chunk);
  while (n < 0 && errno == EINTR);
  if (n <= 0) {
    eof_ = true;
    return false;
  }
  buf_.append(chunk, static_cast<std::size_t>(n));
  return true;
}

LineInput::Status LineInput::next(std::string& line) {
  bool oversized = false;
  for (;;) {
    const auto nl = buf_.find('\n', pos_);
    if (nl != std::string::npos) {
      if (!oversized) line.assign(buf_, pos_, nl - pos_);
      const bool too_long = oversized || nl - pos_ > max_line_;
      pos_ = nl + 1;
      if (too_long) return Status::oversized;
      return Status::line;
    }
    if (buf_.size() - pos_ > max_line_) {  // discard the head of an endless line
      oversized = true;
      buf_.clear();
      pos_ = 0;
    }
    if (!fill()) {
      if (drained_) return Status::drain;
      if (!oversized && pos_ < buf_.size()) {  // a last line without '\n'
        line.assign(buf_, pos_);
        pos_ = buf_.size();
        return Status::line;
      }
      return oversized ? Status::oversized : Status::end;
    }
  }
}

}  // namespace pipelines
