#include "sys/fifo.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "memgate/error.h"

namespace memgate::sys {

Fifo::Fifo(const std::string& path, const std::string& what, const std::string& hint) : path_(path) {
  if (::mkfifo(path_.c_str(), 0600) != 0)
    throw Error(ExitCode::usage, errno_message("cannot create " + what + " " + path_ + " (" + hint + ")", errno));
  // O_NONBLOCK on the read end: opening succeeds with no writer, and reads never wait.
  read_fd_ = ::open(path_.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (read_fd_ >= 0) keep_open_fd_ = ::open(path_.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC);
  if (read_fd_ < 0 || keep_open_fd_ < 0) {
    const int err = errno;
    if (read_fd_ >= 0) ::close(read_fd_);
    ::unlink(path_.c_str());
    throw Error(ExitCode::internal, errno_message("cannot open " + what + " " + path_, err));
  }
}

Fifo::~Fifo() {
  if (keep_open_fd_ >= 0) ::close(keep_open_fd_);
  if (read_fd_ >= 0) ::close(read_fd_);
  ::unlink(path_.c_str());
}

std::size_t Fifo::read_available(char* buf, std::size_t size) {
  for (;;) {
    const ssize_t n = ::read(read_fd_, buf, size);
    if (n > 0) return static_cast<std::size_t>(n);
    if (n < 0 && errno == EINTR) continue;
    return 0;  // EAGAIN: nothing more now (we hold a write end, so never EOF)
  }
}

}  // namespace memgate::sys
