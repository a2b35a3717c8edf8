#include "sys/dir_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <string>

#include "memgate/error.h"

namespace memgate::sys {

std::optional<DirLock> DirLock::try_lock(const std::string& dir) {
  const std::string path = dir + "/" + kLockFile;
  // Close-on-exec: a target that inherited the descriptor would hold the lock after memgate.
  UniqueFd fd(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644));
  if (fd.get() < 0)
    throw Error(ExitCode::usage,
                errno_message("cannot create the lock file " + path, errno) + " (choose a writable --out)");
  if (::flock(fd.get(), LOCK_EX | LOCK_NB) != 0) {
    if (errno == EWOULDBLOCK) return std::nullopt;
    throw Error(ExitCode::usage, errno_message("cannot lock " + path, errno));
  }
  const std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd.get(), 0) == 0) [[maybe_unused]]
    auto n = ::pwrite(fd.get(), pid.data(), pid.size(), 0);
  return DirLock(std::move(fd));
}

bool dir_lock_held(const std::string& dir) {
  const std::string path = dir + "/" + kLockFile;
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) return false;
  if (::flock(fd.get(), LOCK_SH | LOCK_NB) != 0) return errno == EWOULDBLOCK;
  ::flock(fd.get(), LOCK_UN);
  return false;
}

pid_t dir_lock_owner(const std::string& dir) {
  const std::string path = dir + "/" + kLockFile;
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) return 0;
  char buf[16] = {};
  const ssize_t n = ::read(fd.get(), buf, sizeof buf - 1);
  return n > 0 ? static_cast<pid_t>(std::atoi(buf)) : 0;
}

}  // namespace memgate::sys
