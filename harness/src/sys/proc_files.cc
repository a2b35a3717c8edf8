#include "sys/proc_files.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <cstring>

#include "sys/proc_parse.h"

namespace memgate::sys {

namespace {

struct Dir {
  DIR* dir;
  explicit Dir(const char* path) : dir(opendir(path)) {}
  ~Dir() {
    if (dir) closedir(dir);
  }
  Dir(const Dir&) = delete;
  Dir& operator=(const Dir&) = delete;
};

std::optional<pid_t> as_pid(const char* name) {
  pid_t pid = 0;
  const auto len = std::strlen(name);
  const auto [end, ec] = std::from_chars(name, name + len, pid);
  if (ec != std::errc{} || end != name + len || pid <= 0) return std::nullopt;
  return pid;
}

}  // namespace

bool read_file_into(const char* path, std::string& out) {
  const int fd = ::open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  if (out.capacity() < 4096) out.reserve(4096);
  out.resize(out.capacity());
  std::size_t used = 0;
  bool ok = true;
  for (;;) {
    if (used == out.size()) out.resize(out.size() * 2);
    const ssize_t n = ::read(fd, out.data() + used, out.size() - used);
    if (n < 0) {
      if (errno == EINTR) continue;
      ok = false;
      break;
    }
    if (n == 0) break;
    used += static_cast<std::size_t>(n);
  }
  ::close(fd);
  out.resize(used);
  return ok;
}

std::optional<std::uint32_t> count_fds(pid_t pid) {
  char path[64];
  std::snprintf(path, sizeof path, "/proc/%d/fd", pid);
  struct stat st {};
  if (::stat(path, &st) != 0) return std::nullopt;
  if (st.st_size > 0) return static_cast<std::uint32_t>(st.st_size);
  Dir dir(path);  // older kernels report 0: count the entries instead
  if (!dir.dir) return std::nullopt;
  std::uint32_t count = 0;
  while (const dirent* entry = readdir(dir.dir)) {
    if (entry->d_name[0] != '.') ++count;
  }
  return count;
}

bool append_children(pid_t pid, std::vector<pid_t>& out) {
  char path[64];
  std::snprintf(path, sizeof path, "/proc/%d/task", pid);
  Dir tasks(path);
  if (!tasks.dir) return false;
  std::string text;
  bool any_file = false;
  while (const dirent* entry = readdir(tasks.dir)) {
    if (!as_pid(entry->d_name)) continue;
    char children_path[300];
    std::snprintf(children_path, sizeof children_path, "/proc/%d/task/%s/children", pid, entry->d_name);
    if (!read_file_into(children_path, text)) continue;
    any_file = true;
    const char* p = text.data();
    const char* end = p + text.size();
    while (p < end) {
      pid_t child = 0;
      const auto [next, ec] = std::from_chars(p, end, child);
      if (ec == std::errc{}) {
        out.push_back(child);
        p = next;
      } else {
        ++p;
      }
    }
  }
  return any_file;
}

void append_children_by_scan(pid_t ppid, std::vector<pid_t>& out) {
  Dir proc("/proc");
  if (!proc.dir) return;
  std::string text;
  char path[64];
  while (const dirent* entry = readdir(proc.dir)) {
    const auto pid = as_pid(entry->d_name);
    if (!pid) continue;
    std::snprintf(path, sizeof path, "/proc/%d/stat", *pid);
    if (!read_file_into(path, text)) continue;
    const auto stat = parse_stat(text);
    if (stat && stat->ppid == ppid) out.push_back(*pid);
  }
}

std::vector<ProcessIdentity> live_descendants(pid_t ancestor, pid_t skip) {
  std::string text;
  static const bool children_files = read_file_into("/proc/thread-self/children", text);
  std::vector<pid_t> found{ancestor};
  for (std::size_t i = 0; i < found.size(); ++i) {
    const auto before = static_cast<std::ptrdiff_t>(found.size());
    if (children_files) append_children(found[i], found);
    else append_children_by_scan(found[i], found);
    found.erase(std::remove(found.begin() + before, found.end(), skip), found.end());
  }
  std::vector<ProcessIdentity> out;
  char path[64];
  for (std::size_t i = 1; i < found.size(); ++i) {
    std::snprintf(path, sizeof path, "/proc/%d/stat", found[i]);
    if (!read_file_into(path, text)) continue;
    const auto stat = parse_stat(text);
    if (!stat || stat->state == 'Z' || stat->state == 'X') continue;
    out.push_back({found[i], stat->pgrp, stat->comm, stat->starttime_ticks});
  }
  return out;
}

bool process_named(pid_t pid, const std::string& comm) {
  if (pid <= 0) return false;
  char path[64];
  std::snprintf(path, sizeof path, "/proc/%d/stat", pid);
  std::string text;
  if (!read_file_into(path, text)) return false;
  const auto stat = parse_stat(text);
  return stat && stat->state != 'Z' && stat->state != 'X' && stat->comm == comm;
}

double clock_ticks_per_second() {
  static const double ticks = static_cast<double>(::sysconf(_SC_CLK_TCK));
  return ticks;
}

}  // namespace memgate::sys
