// Pure parsers for /proc text. They take the file contents and never touch the OS,
// so they are tested against fixtures of real files (tests/fixtures/proc).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace memgate::sys {

struct StatusFields {  // /proc/PID/status, converted from kB to bytes
  std::string name;
  std::uint64_t rss_bytes = 0, rss_anon_bytes = 0, rss_file_bytes = 0, rss_shmem_bytes = 0;
  std::uint64_t hwm_bytes = 0, swap_bytes = 0;
  std::uint32_t threads = 0;
  bool has_rss = false;  // kernel threads and zombies have no Vm* lines
};

struct StatFields {  // /proc/PID/stat
  std::string comm;
  char state = '?';
  pid_t ppid = 0;
  pid_t pgrp = 0;
  std::uint64_t minflt = 0, cminflt = 0, majflt = 0, cmajflt = 0;
  std::uint64_t utime_ticks = 0, stime_ticks = 0, cutime_ticks = 0, cstime_ticks = 0;
  std::uint32_t num_threads = 0;
  std::uint64_t starttime_ticks = 0;
  int exit_code = 0;  // field 52: a zombie's wait status (0 while alive, or before Linux 3.5)
};

struct SmapsRollupFields {  // /proc/PID/smaps_rollup, bytes
  std::uint64_t rss_bytes = 0, pss_bytes = 0, pss_anon_bytes = 0, pss_file_bytes = 0, pss_shmem_bytes = 0;
  std::uint64_t swap_bytes = 0, swap_pss_bytes = 0;
};

StatusFields parse_status(std::string_view text);
// nullopt when the line is not a valid stat line (e.g. truncated read).
std::optional<StatFields> parse_stat(std::string_view text);
SmapsRollupFields parse_smaps_rollup(std::string_view text);

// /proc/stat's "btime" line: the boot time in seconds since the epoch.
std::optional<std::int64_t> parse_boot_time(std::string_view proc_stat);

// "123 kB" style value of a "Key:" line; nullopt when the key is absent.
std::optional<std::uint64_t> kb_field_bytes(std::string_view text, std::string_view key);

}  // namespace memgate::sys
