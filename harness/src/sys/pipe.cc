#include "sys/pipe.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <utility>

#include "memgate/error.h"

namespace memgate::sys {

Pipe Pipe::create() {
  Pipe p;
  if (::pipe2(p.fds_, O_CLOEXEC) != 0) throw Error(ExitCode::internal, errno_message("pipe2", errno));
  return p;
}

Pipe::Pipe(Pipe&& other) noexcept { std::swap(fds_, other.fds_); }

Pipe& Pipe::operator=(Pipe&& other) noexcept {
  std::swap(fds_, other.fds_);
  return *this;
}

Pipe::~Pipe() {
  close_read_end();
  if (fds_[1] >= 0) ::close(fds_[1]);
}

void Pipe::close_read_end() {
  if (fds_[0] >= 0) ::close(fds_[0]);
  fds_[0] = -1;
}

int Pipe::release_write_end() { return std::exchange(fds_[1], -1); }

}  // namespace memgate::sys
