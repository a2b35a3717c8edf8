#include "sys/cgroup_parse.h"

#include <charconv>

#include "memgate/error.h"

namespace memgate::sys {

namespace {

[[noreturn]] void malformed(std::string_view file, std::string_view what, std::string_view line) {
  std::string shown(line.substr(0, 80));
  throw Error(ExitCode::internal, std::string(file) + ": malformed " + std::string(what) + " '" + shown + "'");
}

std::optional<std::uint64_t> to_u64(std::string_view s) {
  std::uint64_t v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || s.empty()) return std::nullopt;
  return v;
}

std::optional<double> to_double(std::string_view s) {
  double v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || s.empty() || !(v >= 0)) return std::nullopt;
  return v;
}

// Calls f(line) for each line without its '\n'; a trailing empty line is skipped.
template <typename F>
void for_each_line(std::string_view text, F f) {
  while (!text.empty()) {
    const std::size_t nl = text.find('\n');
    f(text.substr(0, nl));
    if (nl == std::string_view::npos) break;
    text.remove_prefix(nl + 1);
  }
}

// Space-separated fields of a line.
std::vector<std::string_view> fields_of(std::string_view line) {
  std::vector<std::string_view> out;
  std::size_t at = 0;
  while (at < line.size()) {
    while (at < line.size() && line[at] == ' ') ++at;
    const std::size_t end = std::min(line.find(' ', at), line.size());
    if (end > at) out.push_back(line.substr(at, end - at));
    at = end;
  }
  return out;
}

// mountinfo escapes spaces and the like in paths as \040 (octal).
std::string unescape(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && s.size() - i >= 4) {
      const auto digit = [](char c) { return c >= '0' && c <= '7'; };
      if (digit(s[i + 1]) && digit(s[i + 2]) && digit(s[i + 3])) {
        out.push_back(static_cast<char>((s[i + 1] - '0') * 64 + (s[i + 2] - '0') * 8 + (s[i + 3] - '0')));
        i += 3;
        continue;
      }
    }
    out.push_back(s[i]);
  }
  return out;
}

bool has_option(std::string_view options, std::string_view name) {
  for (std::size_t at = 0; at <= options.size();) {
    const std::size_t end = std::min(options.find(',', at), options.size());
    if (options.substr(at, end - at) == name) return true;
    at = end + 1;
  }
  return false;
}

}  // namespace

std::map<std::string, std::uint64_t, std::less<>> parse_flat_keyed(std::string_view text, std::string_view file) {
  std::map<std::string, std::uint64_t, std::less<>> out;
  for_each_line(text, [&](std::string_view line) {
    if (line.empty()) return;
    const auto f = fields_of(line);
    if (f.size() != 2) malformed(file, "line", line);
    const auto v = to_u64(f[1]);
    if (!v) malformed(file, "value", line);
    out[std::string(f[0])] = *v;
  });
  return out;
}

Pressure parse_pressure(std::string_view text, std::string_view file) {
  Pressure p;
  bool any = false;
  for_each_line(text, [&](std::string_view line) {
    if (line.empty()) return;
    const auto f = fields_of(line);
    if (f.size() != 5 || (f[0] != "some" && f[0] != "full")) malformed(file, "line", line);
    PressureLine& out = f[0] == "some" ? p.some : p.full;
    const std::string_view keys[] = {"avg10=", "avg60=", "avg300=", "total="};
    for (int i = 0; i < 4; ++i) {
      if (!f[i + 1].starts_with(keys[i])) malformed(file, "line", line);
      const std::string_view value = f[i + 1].substr(keys[i].size());
      if (i == 3) {
        const auto v = to_u64(value);
        if (!v) malformed(file, "value", line);
        out.total_us = *v;
      } else {
        const auto v = to_double(value);
        if (!v) malformed(file, "value", line);
        (i == 0 ? out.avg10 : i == 1 ? out.avg60 : out.avg300) = *v;
      }
    }
    any = true;
  });
  if (!any) malformed(file, "content", text);
  return p;
}

std::optional<std::uint64_t> parse_limit_value(std::string_view text, std::string_view file) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.remove_suffix(1);
  if (text == "max") return std::nullopt;
  const auto v = to_u64(text);
  if (!v) malformed(file, "value", text);
  return v;
}

CgroupMounts parse_mountinfo(std::string_view text) {
  CgroupMounts m;
  for_each_line(text, [&](std::string_view line) {
    // ID PARENT MAJ:MIN ROOT MOUNT_POINT OPTIONS [OPTIONAL...] - FSTYPE SOURCE SUPER_OPTIONS
    const auto f = fields_of(line);
    std::size_t dash = 0;
    while (dash < f.size() && f[dash] != "-") ++dash;
    if (dash < 6 || dash + 3 > f.size()) return;  // not a mount line we can read: skip it
    const std::string_view type = f[dash + 1], super = dash + 3 < f.size() ? f[dash + 3] : std::string_view();
    if (type == "cgroup2") {
      m.v2.push_back(unescape(f[4]));
      m.v2_roots.push_back(unescape(f[3]));
    } else if (type == "cgroup" && has_option(super, "memory") && m.v1_memory.empty()) {
      m.v1_memory = unescape(f[4]);
      m.v1_memory_root = unescape(f[3]);
    }
  });
  return m;
}

OwnCgroups parse_proc_cgroup(std::string_view text) {
  OwnCgroups out;
  for_each_line(text, [&](std::string_view line) {
    // ID:CONTROLLERS:PATH; the path may itself hold ':'.
    const std::size_t a = line.find(':');
    if (a == std::string_view::npos) return;
    const std::size_t b = line.find(':', a + 1);
    if (b == std::string_view::npos) return;
    const std::string_view controllers = line.substr(a + 1, b - a - 1), path = line.substr(b + 1);
    if (line.substr(0, a) == "0" && controllers.empty()) out.v2 = std::string(path);
    else if (has_option(controllers, "memory")) out.v1_memory = std::string(path);
  });
  return out;
}

std::optional<std::string_view> comma_field(std::string_view text, std::string_view key) {
  for (std::size_t at = 0; at < text.size();) {
    const std::size_t end = std::min(text.find(',', at), text.size());
    const std::string_view item = text.substr(at, end - at);
    if (item.size() > key.size() && item.starts_with(key) && item[key.size()] == '=')
      return item.substr(key.size() + 1);
    at = end + 1;
  }
  return std::nullopt;
}

void KernelOomParser::line(std::string_view record) {
  // /dev/kmsg: "PRIO,SEQ,USEC,FLAGS;TEXT" (continuation lines start with a space).
  if (const std::size_t semi = record.find(';');
      semi != std::string_view::npos && semi < 64 && record.substr(0, semi).find(' ') == std::string_view::npos)
    record.remove_prefix(semi + 1);
  if (const std::size_t at = record.find("oom-kill:"); at != std::string_view::npos) {
    const std::string_view list = record.substr(at + 9);
    const auto memcg = comma_field(list, "oom_memcg");
    const auto pid = comma_field(list, "pid");
    const auto task = comma_field(list, "task");
    last_kept_ = false;
    if (!memcg || !pid || !to_u64(*pid) || kills_.size() >= max_) return;
    if (!filter_.empty() && memcg->find(filter_) == std::string_view::npos) return;
    const auto pid_value = *to_u64(*pid);
    if (pid_value == 0 || pid_value > 4194304) return;
    last_kept_ = true;
    KernelOomKill k;
    k.oom_memcg = std::string(*memcg);
    k.pid = static_cast<pid_t>(pid_value);
    k.comm = task ? std::string(task->substr(0, 64)) : "";
    kills_.push_back(std::move(k));
    return;
  }
  // "Memory cgroup out of memory: Killed process 9182 (python3) total-vm:323768kB,
  // anon-rss:102016kB, file-rss:2908kB, shmem-rss:0kB, ..."
  const std::size_t at = record.find("Killed process ");
  if (at == std::string_view::npos || kills_.empty() || !last_kept_) return;
  std::string_view rest = record.substr(at + 15);
  const std::size_t sp = rest.find(' ');
  const auto pid = to_u64(rest.substr(0, sp));
  KernelOomKill& last = kills_.back();
  if (!pid || static_cast<pid_t>(*pid) != last.pid || last.has_rss) return;
  std::uint64_t rss_kb = 0;
  bool any = false;
  for (const std::string_view key : {"anon-rss:", "file-rss:", "shmem-rss:"}) {
    const std::size_t k = rest.find(key);
    if (k == std::string_view::npos) continue;
    std::string_view v = rest.substr(k + key.size());
    v = v.substr(0, v.find("kB"));
    if (const auto n = to_u64(v); n && *n < (1ull << 50)) {
      rss_kb += *n;
      any = true;
    }
  }
  last.rss_bytes = rss_kb * 1024;
  last.has_rss = any;
}

}  // namespace memgate::sys
