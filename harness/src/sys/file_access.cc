#include "sys/file_access.h"

#include <sys/stat.h>
#include <unistd.h>

namespace memgate::sys {

bool path_exists(const std::string& path) { return ::access(path.c_str(), F_OK) == 0; }
bool is_readable(const std::string& path) { return ::access(path.c_str(), R_OK) == 0; }
bool is_writable(const std::string& path) { return ::access(path.c_str(), W_OK) == 0; }
bool is_executable(const std::string& path) { return ::access(path.c_str(), X_OK) == 0; }

std::optional<FileStatus> file_status(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return std::nullopt;
  return FileStatus{S_ISREG(st.st_mode), S_ISDIR(st.st_mode), (st.st_mode & (S_ISUID | S_ISGID)) != 0,
                    static_cast<std::uint64_t>(st.st_size)};
}

}  // namespace memgate::sys
