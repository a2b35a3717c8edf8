#include "sys/kernel_log.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

namespace memgate::sys {

bool KernelLog::open() {
  const int fd = ::open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return false;
  fd_ = UniqueFd(fd);
  ::lseek(fd, 0, SEEK_END);  // only what is logged from now on
  return true;
}

bool KernelLog::next(std::string_view& record) {
  if (fd_.get() < 0) return false;
  for (;;) {
    const ssize_t n = ::read(fd_.get(), buf_, sizeof buf_);
    if (n > 0) {
      record = std::string_view(buf_, static_cast<std::size_t>(n));
      return true;
    }
    // EPIPE: records were overwritten before we read them; the next read goes on.
    if (n < 0 && (errno == EPIPE || errno == EINTR)) continue;
    return false;  // EAGAIN: nothing new
  }
}

}  // namespace memgate::sys
