#include "ebpf/libbpf_log.h"

#include <bpf/libbpf.h>

#include <cstdarg>
#include <cstdio>
#include <mutex>
#include <string>

#include "ebpf/ebpf_sampler.h"

namespace memgate {
namespace {

std::mutex logger_mutex;
EbpfLogger current_logger;
bool current_verbose = false;
thread_local std::string last_warning;

EbpfLogLevel level_of(libbpf_print_level level) {
  switch (level) {
    case LIBBPF_WARN: return EbpfLogLevel::warn;
    case LIBBPF_INFO: return EbpfLogLevel::info;
    default: return EbpfLogLevel::debug;
  }
}

int print_callback(libbpf_print_level level, const char* format, va_list args) {
  char buf[1024];
  int n = std::vsnprintf(buf, sizeof buf, format, args);
  if (n < 0) return 0;
  std::string line(buf, std::min<std::size_t>(static_cast<std::size_t>(n), sizeof buf - 1));
  while (!line.empty() && (line.back() == '\n' || line.back() == ' ')) line.pop_back();
  if (level == LIBBPF_WARN && !line.empty()) last_warning = line;
  std::lock_guard lock(logger_mutex);
  if (current_logger && (current_verbose || level == LIBBPF_WARN)) current_logger(level_of(level), line);
  return n;
}

}  // namespace

void set_ebpf_logger(EbpfLogger logger, bool verbose) {
  ebpf::install_libbpf_logging();
  std::lock_guard lock(logger_mutex);
  current_logger = std::move(logger);
  current_verbose = verbose;
}

namespace ebpf {

void install_libbpf_logging() {
  static std::once_flag once;
  std::call_once(once, [] { libbpf_set_print(print_callback); });
}

std::string take_last_libbpf_warning() {
  std::string out;
  out.swap(last_warning);
  return out;
}

}  // namespace ebpf
}  // namespace memgate
