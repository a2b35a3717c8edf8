#include "sys/proc_parse.h"

#include <algorithm>
#include <charconv>

namespace memgate::sys {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\n')) s.remove_suffix(1);
  return s;
}

std::uint64_t leading_uint(std::string_view s) {
  s = trim(s);
  std::uint64_t value = 0;
  std::from_chars(s.data(), s.data() + s.size(), value);
  return value;
}

// Calls fn(key, value) for every "Key:   value" line.
template <typename Fn>
void for_each_field(std::string_view text, Fn&& fn) {
  while (!text.empty()) {
    const auto eol = text.find('\n');
    const std::string_view line = text.substr(0, eol);
    text = eol == std::string_view::npos ? std::string_view{} : text.substr(eol + 1);
    const auto colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    fn(line.substr(0, colon), line.substr(colon + 1));
  }
}

}  // namespace

std::optional<std::int64_t> parse_boot_time(std::string_view text) {
  for (std::size_t at = 0; at < text.size();) {
    const auto end = std::min(text.find('\n', at), text.size());
    const std::string_view line = text.substr(at, end - at);
    at = end + 1;
    if (line.substr(0, 6) != "btime ") continue;
    const std::string_view digits = trim(line.substr(6));
    if (digits.empty() || digits.find_first_not_of("0123456789") != std::string_view::npos || digits.size() > 18)
      return std::nullopt;
    return static_cast<std::int64_t>(leading_uint(digits));
  }
  return std::nullopt;
}

std::optional<std::uint64_t> kb_field_bytes(std::string_view text, std::string_view key) {
  std::optional<std::uint64_t> found;
  for_each_field(text, [&](std::string_view k, std::string_view v) {
    if (!found && k == key) found = leading_uint(v) * 1024;
  });
  return found;
}

StatusFields parse_status(std::string_view text) {
  StatusFields out;
  for_each_field(text, [&](std::string_view key, std::string_view value) {
    if (key == "Name") out.name = std::string(trim(value));
    else if (key == "VmRSS") {
      out.rss_bytes = leading_uint(value) * 1024;
      out.has_rss = true;
    } else if (key == "RssAnon") out.rss_anon_bytes = leading_uint(value) * 1024;
    else if (key == "RssFile") out.rss_file_bytes = leading_uint(value) * 1024;
    else if (key == "RssShmem") out.rss_shmem_bytes = leading_uint(value) * 1024;
    else if (key == "VmHWM") out.hwm_bytes = leading_uint(value) * 1024;
    else if (key == "VmSwap") out.swap_bytes = leading_uint(value) * 1024;
    else if (key == "Threads") out.threads = static_cast<std::uint32_t>(leading_uint(value));
  });
  return out;
}

std::optional<StatFields> parse_stat(std::string_view text) {
  // comm may hold spaces and parentheses: it ends at the *last* ')'.
  const auto open = text.find('(');
  const auto close = text.rfind(')');
  if (open == std::string_view::npos || close == std::string_view::npos || close < open) return std::nullopt;
  StatFields out;
  out.comm = std::string(text.substr(open + 1, close - open - 1));
  std::string_view rest = text.substr(close + 1);
  // Fields after comm, numbered as in proc(5): 3 state, 4 ppid, ... 22 starttime, ... 52 exit_code.
  int field = 3;
  while (!rest.empty() && field <= 52) {
    while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
    const auto end = rest.find(' ');
    const std::string_view token = rest.substr(0, end);
    rest = end == std::string_view::npos ? std::string_view{} : rest.substr(end);
    if (token.empty()) break;
    const auto num = [&] { return leading_uint(token); };
    switch (field) {
      case 3: out.state = token.front(); break;
      case 4: out.ppid = static_cast<pid_t>(num()); break;
      case 5: out.pgrp = static_cast<pid_t>(num()); break;
      case 10: out.minflt = num(); break;
      case 11: out.cminflt = num(); break;
      case 12: out.majflt = num(); break;
      case 13: out.cmajflt = num(); break;
      case 14: out.utime_ticks = num(); break;
      case 15: out.stime_ticks = num(); break;
      case 16: out.cutime_ticks = num(); break;
      case 17: out.cstime_ticks = num(); break;
      case 20: out.num_threads = static_cast<std::uint32_t>(num()); break;
      case 22: out.starttime_ticks = num(); break;
      case 52: out.exit_code = static_cast<int>(num()); break;
      default: break;
    }
    ++field;
  }
  if (field <= 22) return std::nullopt;
  return out;
}

SmapsRollupFields parse_smaps_rollup(std::string_view text) {
  SmapsRollupFields out;
  for_each_field(text, [&](std::string_view key, std::string_view value) {
    if (key == "Rss") out.rss_bytes = leading_uint(value) * 1024;
    else if (key == "Pss") out.pss_bytes = leading_uint(value) * 1024;
    else if (key == "Pss_Anon") out.pss_anon_bytes = leading_uint(value) * 1024;
    else if (key == "Pss_File") out.pss_file_bytes = leading_uint(value) * 1024;
    else if (key == "Pss_Shmem") out.pss_shmem_bytes = leading_uint(value) * 1024;
    else if (key == "Swap") out.swap_bytes = leading_uint(value) * 1024;
    else if (key == "SwapPss") out.swap_pss_bytes = leading_uint(value) * 1024;
  });
  return out;
}

}  // namespace memgate::sys
