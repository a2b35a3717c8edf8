#include "record/segments.h"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <map>

namespace memgate::record {

std::string segment_name(std::string_view base, unsigned index, bool compressed) {
  char digits[16];
  std::snprintf(digits, sizeof digits, ".%06u", index);
  return std::string(base) + digits + (compressed ? ".zst" : "");
}

std::optional<SegmentName> parse_segment_name(std::string_view base, std::string_view name) {
  if (name.size() <= base.size() + 1 || name.substr(0, base.size()) != base || name[base.size()] != '.')
    return std::nullopt;
  std::string_view rest = name.substr(base.size() + 1);
  SegmentName s;
  if (rest.size() > 4 && rest.substr(rest.size() - 4) == ".zst") {
    s.compressed = true;
    rest.remove_suffix(4);
  }
  if (rest.size() < 6 || rest.find_first_not_of("0123456789") != std::string_view::npos) return std::nullopt;
  const auto [end, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), s.index);
  if (ec != std::errc{} || end != rest.data() + rest.size() || s.index == 0) return std::nullopt;
  return s;
}

std::vector<std::string> segment_reading_order(std::string_view base, const std::vector<std::string>& names) {
  std::map<unsigned, std::string> chosen;  // index -> file, the .zst winning
  bool live = false;
  for (const auto& name : names) {
    if (name == base) live = true;
    const auto s = parse_segment_name(base, name);
    if (!s) continue;
    auto [it, inserted] = chosen.emplace(s->index, name);
    if (!inserted && s->compressed) it->second = name;
  }
  std::vector<std::string> order;
  for (auto& [index, name] : chosen) order.push_back(std::move(name));
  if (live) order.emplace_back(base);
  return order;
}

unsigned next_segment_index(std::string_view base, const std::vector<std::string>& names) {
  unsigned last = 0;
  for (const auto& name : names)
    if (const auto s = parse_segment_name(base, name)) last = std::max(last, s->index);
  return last + 1;
}

}  // namespace memgate::record
