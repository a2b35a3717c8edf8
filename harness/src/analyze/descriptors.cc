#include "analyze/descriptors.h"

#include <fcntl.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <nlohmann/json.hpp>

namespace memgate::analyze {

namespace {

constexpr const char* kOtherPaths = "(other paths)";

bool starts_with(std::string_view text, std::string_view prefix) { return text.substr(0, prefix.size()) == prefix; }

std::string digits_as_star(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (std::isdigit(static_cast<unsigned char>(text[i]))) {
      if (out.empty() || out.back() != '*') out += '*';
    } else {
      out += text[i];
    }
  }
  return out;
}

std::string plural(const std::string& kind, std::int64_t n) {
  if (n == 1 || n == -1) return kind;
  if (kind == "directory") return "directories";
  if (kind == "other") return "other descriptors";
  return kind + "s";
}

std::string signed_count(std::int64_t n) { return (n >= 0 ? "+" : "") + std::to_string(n); }

}  // namespace

std::string fd_kind(const FdEntry& e) {
  const std::string_view link = e.link;
  if (starts_with(link, "socket:")) return "socket";
  if (starts_with(link, "pipe:")) return "pipe";
  if (starts_with(link, "anon_inode:")) return "anon inode";
  if (!starts_with(link, "/")) return "other";
  if (link.size() >= 10 && link.substr(link.size() - 10) == " (deleted)") return "deleted file";
  if (starts_with(link, "/dev/")) return "device";
  if (e.flags && (*e.flags & O_DIRECTORY)) return "directory";
  return "regular file";
}

std::string fd_pattern(const FdEntry& e) {
  const std::string kind = fd_kind(e);
  if (kind == "socket" || kind == "pipe") return "";
  if (kind == "anon inode")
    return e.link.substr(0, e.link.find(']') == std::string::npos ? e.link.size() : e.link.find(']') + 1);
  return digits_as_star(e.link);
}

void merge_groups(FdGroups& a, const FdGroups& b, std::size_t max_patterns) {
  std::map<std::string, std::size_t> patterns;  // per kind, in a
  for (const auto& [key, n] : a) ++patterns[key.kind];
  for (const auto& [key, n] : b) {
    if (auto it = a.find(key); it != a.end()) {
      it->second += n;
    } else if (patterns[key.kind] < max_patterns || key.pattern == kOtherPaths) {
      a.emplace(key, n);
      ++patterns[key.kind];
    } else {
      a[{key.kind, kOtherPaths}] += n;
    }
  }
}

FdGroups group_descriptors(std::span<const FdEntry> entries, std::size_t max_patterns) {
  FdGroups one, all;
  for (const auto& e : entries) {
    one.clear();
    one[{fd_kind(e), fd_pattern(e)}] = 1;
    merge_groups(all, one, max_patterns);
  }
  return all;
}

nlohmann::json groups_to_json(const FdGroups& groups) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& [key, n] : groups) out.push_back({{"kind", key.kind}, {"pattern", key.pattern}, {"count", n}});
  return out;
}

FdGroups groups_from_json(const nlohmann::json& j) {
  FdGroups out;
  if (!j.is_array()) return out;
  for (const auto& g : j) {
    if (!g.is_object()) continue;
    const auto kind = g.find("kind"), pattern = g.find("pattern"), count = g.find("count");
    if (kind == g.end() || pattern == g.end() || count == g.end() || !kind->is_string() || !pattern->is_string() ||
        !count->is_number_unsigned())
      continue;
    out[{kind->get<std::string>(), pattern->get<std::string>()}] += count->get<std::uint32_t>();
  }
  return out;
}

std::vector<FdGroupChange> diff_groups(const FdGroups& before, const FdGroups& after) {
  std::map<FdGroupKey, FdGroupChange> all;
  for (const auto& [key, n] : before) all[key] = {key.kind, key.pattern, n, 0};
  for (const auto& [key, n] : after) {
    auto& c = all.try_emplace(key, FdGroupChange{key.kind, key.pattern, 0, 0}).first->second;
    c.after = n;
  }
  std::vector<FdGroupChange> out;
  for (auto& [key, c] : all) out.push_back(std::move(c));
  std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.delta() > b.delta(); });
  return out;
}

std::string describe_fd_growth(std::span<const FdGroupChange> changes, std::size_t max_listed) {
  std::string text;
  const auto add = [&](const std::string& part) { text += (text.empty() ? "" : ", ") + part; };
  std::map<std::string, std::int64_t> by_kind;
  for (const auto& c : changes) by_kind[c.kind] += c.delta();
  std::size_t listed = 0;
  for (const auto& c : changes) {
    if (c.delta() <= 0 || listed == max_listed) break;
    std::string part = signed_count(c.delta()) + " " + plural(c.kind, c.delta());
    if (!c.pattern.empty()) part += (c.kind == "anon inode" ? " " : " under ") + c.pattern;
    add(part);
    ++listed;
  }
  if (listed == 0) return "";
  for (const char* kind : {"regular file", "socket", "pipe"})
    if (by_kind[kind] <= 0) add(signed_count(by_kind[kind]) + " " + plural(kind, 0));
  return text;
}

FdGrowthContext fd_growth_context(std::span<const FdSnapshot> snapshots, double from_s) {
  FdGrowthContext c;
  if (snapshots.empty()) return c;
  const FdSnapshot& last = snapshots.back();
  const FdSnapshot* first = &snapshots.front();
  for (const auto& s : snapshots) {  // the first at or after from_s, else the last before
    first = &s;
    if (s.t_s >= from_s) break;
  }
  if (first != &last) {
    c.changes = diff_groups(first->groups, last.groups);
    c.growth = describe_fd_growth(c.changes);
    c.from_t_s = first->t_s;
    c.to_t_s = last.t_s;
  }
  if (last.top_nofile) {
    c.nofile = last.top_nofile;
    c.tree_limit = *last.top_nofile + (last.total - last.top_fds);
  }
  return c;
}

std::optional<double> seconds_to_limit(double current, double limit, double slope_per_h) {
  if (!(slope_per_h > 0) || !std::isfinite(current) || !std::isfinite(limit) || current >= limit) return std::nullopt;
  return (limit - current) / slope_per_h * 3600;
}

}  // namespace memgate::analyze
