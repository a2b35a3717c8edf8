#include "sys/host.h"

#include <sys/resource.h>
#include <sys/utsname.h>
#include <time.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cstdio>
#include <ctime>

#include "sys/proc_files.h"
#include "sys/proc_parse.h"

extern char** environ;

namespace memgate::sys {

std::string hostname() {
  char name[256] = {};
  if (::gethostname(name, sizeof name - 1) != 0) return "unknown";
  return name;
}

std::uint64_t swap_total_bytes() {
  std::string text;
  if (!read_file_into("/proc/meminfo", text)) return 0;
  return kb_field_bytes(text, "SwapTotal").value_or(0);
}

std::string kernel_release() {
  utsname u{};
  return ::uname(&u) == 0 ? u.release : "unknown";
}

std::uint64_t page_size() { return static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE)); }

double monotonic_seconds() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

std::int64_t unix_millis() {
  timespec ts{};
  ::clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

std::string iso8601_utc(std::int64_t unix_ms) {
  const time_t seconds = static_cast<time_t>(unix_ms / 1000);
  tm utc{};
  ::gmtime_r(&seconds, &utc);
  char text[96];
  std::snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", utc.tm_year + 1900, utc.tm_mon + 1,
                utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec, static_cast<int>(unix_ms % 1000));
  return text;
}

std::string compact_local_timestamp(std::int64_t unix_ms) {
  const time_t seconds = static_cast<time_t>(unix_ms / 1000);
  tm local{};
  ::localtime_r(&seconds, &local);
  char text[32];
  std::strftime(text, sizeof text, "%Y%m%d-%H%M%S", &local);
  return text;
}

std::vector<std::string> environment() {
  std::vector<std::string> out;
  for (char** e = environ; *e; ++e) out.emplace_back(*e);
  return out;
}

bool stderr_is_terminal() { return ::isatty(STDERR_FILENO) == 1; }

unsigned stderr_columns() {
  winsize size{};
  if (::ioctl(STDERR_FILENO, TIOCGWINSZ, &size) != 0) return 0;
  return size.ws_col;
}

SelfUsage self_usage() {
  rusage self{};
  ::getrusage(RUSAGE_SELF, &self);
  return {static_cast<double>(self.ru_utime.tv_sec + self.ru_stime.tv_sec) +
              1e-6 * static_cast<double>(self.ru_utime.tv_usec + self.ru_stime.tv_usec),
          static_cast<std::uint64_t>(self.ru_maxrss) * 1024};
}

}  // namespace memgate::sys
