// The descriptors a process holds, as /proc/PID/fd and /proc/PID/fdinfo show them, and
// its RLIMIT_NOFILE as /proc/PID/limits shows it. Grouping them is analyze/descriptors.h's.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace memgate::sys {

struct FdLink {
  std::string link;                    // readlink of /proc/PID/fd/N
  std::optional<std::uint32_t> flags;  // "flags:" of /proc/PID/fdinfo/N (octal), when readable
};

// At most max_fds entries (the rest are not read: a snapshot has a bounded cost).
// Empty when the process is gone or not ours.
std::vector<FdLink> read_fd_links(pid_t pid, std::size_t max_fds = 65536);

struct NofileLimit {
  std::optional<std::uint64_t> soft, hard;  // nullopt: unlimited
};
// Pure parser of /proc/PID/limits text; nullopt when the "Max open files" line is missing.
std::optional<NofileLimit> parse_nofile_limit(const std::string& limits_text);
// Reads and parses /proc/PID/limits.
std::optional<NofileLimit> read_nofile_limit(pid_t pid);

}  // namespace memgate::sys
