#include "sys/fd_snapshot.h"

#include <dirent.h>
#include <unistd.h>

#include <charconv>
#include <cstdio>
#include <sstream>

#include "sys/proc_files.h"

namespace memgate::sys {

namespace {

std::optional<std::uint32_t> fdinfo_flags(const std::string& text) {
  const auto at = text.find("flags:");
  if (at == std::string::npos) return std::nullopt;
  std::size_t i = at + 6;
  while (i < text.size() && (text[i] == ' ' || text[i] == '\t')) ++i;
  std::uint32_t flags = 0;
  const auto [end, ec] = std::from_chars(text.data() + i, text.data() + text.size(), flags, 8);
  if (ec != std::errc{}) return std::nullopt;
  return flags;
}

std::optional<std::uint64_t> limit_value(const std::string& word) {
  std::uint64_t v = 0;
  const auto [end, ec] = std::from_chars(word.data(), word.data() + word.size(), v);
  if (ec != std::errc{} || end != word.data() + word.size()) return std::nullopt;
  return v;
}

}  // namespace

std::vector<FdLink> read_fd_links(pid_t pid, std::size_t max_fds) {
  std::vector<FdLink> out;
  char dir_path[64];
  std::snprintf(dir_path, sizeof dir_path, "/proc/%d/fd", pid);
  DIR* dir = ::opendir(dir_path);
  if (!dir) return out;
  std::string info;
  char path[96], target[4096];
  while (const dirent* entry = ::readdir(dir)) {
    if (entry->d_name[0] == '.') continue;
    if (out.size() >= max_fds) break;
    std::snprintf(path, sizeof path, "/proc/%d/fd/%s", pid, entry->d_name);
    const ssize_t n = ::readlink(path, target, sizeof target - 1);
    if (n < 0) continue;  // closed since the listing
    FdLink link{std::string(target, static_cast<std::size_t>(n)), std::nullopt};
    std::snprintf(path, sizeof path, "/proc/%d/fdinfo/%s", pid, entry->d_name);
    if (read_file_into(path, info)) link.flags = fdinfo_flags(info);
    out.push_back(std::move(link));
  }
  ::closedir(dir);
  return out;
}

std::optional<NofileLimit> parse_nofile_limit(const std::string& text) {
  // "Max open files            1024                 1048576              files"
  const auto at = text.find("Max open files");
  if (at == std::string::npos) return std::nullopt;
  const auto eol = text.find('\n', at);
  std::istringstream line(text.substr(at + 14, eol == std::string::npos ? std::string::npos : eol - at - 14));
  std::string soft, hard;
  if (!(line >> soft >> hard)) return std::nullopt;
  NofileLimit out;
  if (soft != "unlimited") {
    out.soft = limit_value(soft);
    if (!out.soft) return std::nullopt;
  }
  if (hard != "unlimited") {
    out.hard = limit_value(hard);
    if (!out.hard) return std::nullopt;
  }
  return out;
}

std::optional<NofileLimit> read_nofile_limit(pid_t pid) {
  char path[64];
  std::snprintf(path, sizeof path, "/proc/%d/limits", pid);
  std::string text;
  if (!read_file_into(path, text)) return std::nullopt;
  return parse_nofile_limit(text);
}

}  // namespace memgate::sys
