#include "alloc/heap_split.h"

#include <algorithm>

namespace memgate::alloc {
namespace {

using Field = std::optional<std::uint64_t> HeapFigures::*;
constexpr std::pair<const char*, Field> kFields[] = {
    {"allocated", &HeapFigures::allocated}, {"active", &HeapFigures::active},
    {"resident", &HeapFigures::resident},   {"mapped", &HeapFigures::mapped},
    {"retained", &HeapFigures::retained},   {"free_held", &HeapFigures::free_held},
};

std::optional<double> delta(const std::optional<std::uint64_t>& a, const std::optional<std::uint64_t>& b) {
  if (!a || !b) return std::nullopt;
  return static_cast<double>(*b) - static_cast<double>(*a);
}

}  // namespace

std::optional<double> held_beyond_heap(std::span<const HeldPart> parts, double max_age_s) {
  if (parts.empty()) return std::nullopt;
  double held = 0;
  for (const HeldPart& p : parts) {
    if (!p.allocated || !(p.age_s <= max_age_s)) return std::nullopt;
    held += std::max(0.0, static_cast<double>(p.rss) - static_cast<double>(*p.allocated));
  }
  return held;
}

HeapFigures sum_heaps(std::span<const HeapFigures> heaps) {
  HeapFigures total;
  if (heaps.empty()) return total;
  for (const auto& [name, field] : kFields) {
    std::uint64_t sum = 0;
    bool all = true;
    for (const auto& h : heaps) {
      if (!(h.*field)) {
        all = false;
        break;
      }
      sum += *(h.*field);
    }
    if (all) total.*field = sum;
  }
  return total;
}

nlohmann::json to_json(const HeapFigures& heap) {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [name, field] : kFields)
    if (heap.*field) out[std::string(name) + "_bytes"] = *(heap.*field);
  return out;
}

RssSplit split_rss_growth(double rss_start, double rss_end, const HeapFigures& start, const HeapFigures& end) {
  RssSplit split;
  split.rss_growth = rss_end - rss_start;
  split.live_heap_growth = delta(start.allocated, end.allocated);
  split.retention_growth = delta(start.free_held, end.free_held);
  if (split.live_heap_growth && split.retention_growth) {
    split.heap_growth = *split.live_heap_growth + *split.retention_growth;
    split.basis = "allocated + free_held";
  } else if (const auto mapped = delta(start.mapped, end.mapped)) {
    split.heap_growth = mapped;
    split.basis = "mapped (the allocator does not separate live from retained)";
  } else {
    split.basis = "none (the allocator offers no heap figures)";
  }
  if (split.heap_growth) split.non_heap_growth = split.rss_growth - *split.heap_growth;
  return split;
}

nlohmann::json to_json(const RssSplit& split) {
  nlohmann::json out{{"rss_growth_bytes", split.rss_growth}, {"basis", split.basis}};
  const auto put = [&](const char* name, const std::optional<double>& v) {
    out[name] = v ? nlohmann::json(*v) : nlohmann::json(nullptr);
  };
  put("live_heap_growth_bytes", split.live_heap_growth);
  put("retention_growth_bytes", split.retention_growth);
  put("heap_growth_bytes", split.heap_growth);
  put("non_heap_growth_bytes", split.non_heap_growth);
  return out;
}

}  // namespace memgate::alloc
