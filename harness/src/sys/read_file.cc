#include "sys/read_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "memgate/error.h"
#include "sys/fs.h"

namespace memgate::sys {
namespace {

// Reads up to max_bytes into out; false (errno set) on a read error. Loops to EOF rather
// than trusting st_size, which is 0 for /proc and /sys files.
bool read_up_to(int fd, std::size_t max_bytes, char* out, std::size_t& got) {
  got = 0;
  while (got < max_bytes) {
    const ssize_t n = ::read(fd, out + got, max_bytes - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return false;
    if (n == 0) break;
    got += static_cast<std::size_t>(n);
  }
  return true;
}

UniqueFd open_for_reading(const std::string& path) { return UniqueFd(::open(path.c_str(), O_RDONLY | O_CLOEXEC)); }

}  // namespace

std::optional<std::string> try_read_text_file(const std::string& path, std::size_t max_bytes) {
  const UniqueFd fd = open_for_reading(path);
  if (fd.get() < 0) return std::nullopt;
  std::string text;
  std::size_t total = 0;
  for (;;) {
    // Grow in steps; one byte past the cap tells "exactly max_bytes" from "larger".
    const std::size_t step = std::max<std::size_t>(text.size(), 64 * 1024);
    const std::size_t room = std::min(step, max_bytes + 1 - total);
    text.resize(total + room);
    std::size_t got = 0;
    if (!read_up_to(fd.get(), room, text.data() + total, got)) return std::nullopt;
    total += got;
    if (total > max_bytes) {
      errno = EFBIG;
      return std::nullopt;
    }
    if (got < room) break;  // EOF
  }
  text.resize(total);
  return text;
}

std::string read_text_file(const std::string& path, const std::string& hint, std::size_t max_bytes) {
  auto text = try_read_text_file(path, max_bytes);
  if (!text && errno == EFBIG)
    throw Error(ExitCode::usage, path + " is larger than " + std::to_string(max_bytes) +
                                     " bytes, more than memgate reads whole: check the path" + hint);
  if (!text) throw Error(ExitCode::usage, errno_message("cannot read " + path, errno) + hint);
  return std::move(*text);
}

std::optional<std::vector<std::byte>> read_file_head(const std::string& path, std::size_t max_bytes) {
  const UniqueFd fd = open_for_reading(path);
  if (fd.get() < 0) return std::nullopt;
  std::vector<std::byte> bytes(max_bytes);
  std::size_t got = 0;
  if (!read_up_to(fd.get(), max_bytes, reinterpret_cast<char*>(bytes.data()), got)) return std::nullopt;
  bytes.resize(got);
  return bytes;
}

}  // namespace memgate::sys
