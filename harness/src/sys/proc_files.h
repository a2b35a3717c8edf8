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

double clock_ticks_per_second();

}  // namespace memgate::sys
