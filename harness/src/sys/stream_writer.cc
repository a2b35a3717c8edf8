#include "sys/stream_writer.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>

#include "memgate/error.h"

namespace memgate::sys {
namespace {

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

StreamWriter::StreamWriter(int fd, int pipe_bytes, const std::string& description) : fd_(fd) {
  struct stat st {};
  is_socket_ = ::fstat(fd_, &st) == 0 && S_ISSOCK(st.st_mode);
  if (S_ISFIFO(st.st_mode)) ::fcntl(fd_, F_SETPIPE_SZ, pipe_bytes);
  const int flags = ::fcntl(fd_, F_GETFL);
  if (flags < 0 || ::fcntl(fd_, F_SETFL, flags | O_NONBLOCK) != 0)
    throw Error(ExitCode::internal, errno_message("fcntl O_NONBLOCK on " + description, errno));
}

StreamWriter::~StreamWriter() { close(); }

void StreamWriter::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

StreamWriter::Result StreamWriter::write_some(std::string_view bytes) {
  if (!is_socket_) block_sigpipe_in_this_thread();
  for (;;) {
    const ssize_t n =
        is_socket_ ? ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL) : ::write(fd_, bytes.data(), bytes.size());
    if (n > 0) return {Status::wrote, static_cast<std::size_t>(n)};
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return {Status::would_block};
    if (n < 0 && (errno == EPIPE || errno == ECONNRESET)) {
      if (!is_socket_) discard_pending_sigpipe();
      return {Status::peer_closed};
    }
    // A zero-byte write of a non-empty buffer is as good as an error: report it, do not spin.
    return {Status::failed, 0, n < 0 ? errno : EIO};
  }
}

void StreamWriter::wait_writable(int timeout_ms) {
  pollfd p{fd_, POLLOUT, 0};
  ::poll(&p, 1, timeout_ms);
}

}  // namespace memgate::sys
