// Whether a path is there and what memgate may do with it (access(2) and stat(2)), for
// checks that come before a file is used: a probe library, a plot script, a run directory.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace memgate::sys {

// False (errno set) when the path does not exist or this process lacks the permission.
bool path_exists(const std::string& path);
bool is_readable(const std::string& path);
bool is_writable(const std::string& path);
bool is_executable(const std::string& path);

struct FileStatus {
  bool regular = false;
  bool directory = false;
  bool set_id = false;  // setuid or setgid bit
  std::uint64_t size_bytes = 0;
};
// nullopt (errno set) when the path cannot be stat'ed.
std::optional<FileStatus> file_status(const std::string& path);

}  // namespace memgate::sys
