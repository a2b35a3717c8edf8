// Thin, allocation-free readers of /proc files. Errors are reported as "absent"
// (the process is gone or not ours): callers treat that as the process exiting.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace memgate::sys {

// Reads a whole small file into `out` (reusing its capacity). False if it cannot be read.
bool read_file_into(const char* path, std::string& out);

// Open descriptors of pid. O(1) on Linux >= 6.2 (st_size of /proc/PID/fd is the
// count); falls back to listing the directory on older kernels.
std::optional<std::uint32_t> count_fds(pid_t pid);

// Direct children of every thread of pid (/proc/PID/task/TID/children).
// Appends to out; false when the children files are unavailable (CONFIG_PROC_CHILDREN off).
bool append_children(pid_t pid, std::vector<pid_t>& out);

// All pids on the machine whose parent is ppid, by scanning /proc (the slow fallback).
void append_children_by_scan(pid_t ppid, std::vector<pid_t>& out);

// A live process as /proc/PID/stat names it.
struct ProcessIdentity {
  pid_t pid = 0;
  pid_t pgrp = 0;
  std::string comm;
  std::uint64_t start_ticks = 0;
};

// Every live (non-zombie) descendant of `ancestor`, found through the children files
// (or a /proc scan), except `skip` and its descendants.
std::vector<ProcessIdentity> live_descendants(pid_t ancestor, pid_t skip);

// True when pid is alive and its comm is `comm` (e.g. "memgate").
bool process_named(pid_t pid, const std::string& comm);

double clock_ticks_per_second();

}  // namespace memgate::sys
