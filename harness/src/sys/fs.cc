#include "sys/fs.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>

#include "memgate/error.h"

namespace memgate::sys {

UniqueFd& UniqueFd::operator=(UniqueFd&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = other.release();
  }
  return *this;
}

UniqueFd::~UniqueFd() {
  if (fd_ >= 0) ::close(fd_);
}

int UniqueFd::release() {
  const int fd = fd_;
  fd_ = -1;
  return fd;
}

UniqueFd open_for_writing(const std::string& path, const std::string& what) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0)
    throw Error(ExitCode::usage, errno_message("cannot write " + (what.empty() ? "" : what + " ") + path, errno));
  return UniqueFd(fd);
}

void remove_stale_fifo(const std::string& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) == 0 && S_ISFIFO(st.st_mode)) ::unlink(path.c_str());
}

void write_text_file(const std::string& path, std::string_view text) {
  const std::string temp = path + ".tmp";
  const auto fail = [&](const std::string& what, int err) {
    ::unlink(temp.c_str());
    throw Error(ExitCode::usage, errno_message(what, err));
  };
  UniqueFd fd = open_for_writing(temp);
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd.get(), text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) fail("cannot write " + path, n < 0 ? errno : ENOSPC);
    done += static_cast<std::size_t>(n);
  }
  if (::close(fd.release()) != 0) fail("cannot write " + path, errno);
  if (std::rename(temp.c_str(), path.c_str()) != 0) fail("cannot rename " + temp + " to " + path, errno);
}

void append_text_file(const std::string& path, std::string_view text) {
  const int raw = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (raw < 0) throw Error(ExitCode::usage, errno_message("cannot append to " + path, errno));
  UniqueFd fd(raw);
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd.get(), text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw Error(ExitCode::usage, errno_message("cannot append to " + path, n < 0 ? errno : ENOSPC));
    done += static_cast<std::size_t>(n);
  }
  if (::close(fd.release()) != 0) throw Error(ExitCode::usage, errno_message("cannot append to " + path, errno));
}

int duplicate_stdout() {
  const int fd = ::fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 0);
  if (fd < 0) throw Error(ExitCode::internal, errno_message("dup(stdout)", errno));
  return fd;
}

}  // namespace memgate::sys
