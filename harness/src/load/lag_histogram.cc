#include "load/lag_histogram.h"

#include <algorithm>
#include <bit>
#include <cmath>

namespace memgate::load {

std::size_t LagHistogram::bucket_of(std::uint64_t ns) {
  if (ns < 16) return static_cast<std::size_t>(ns);
  const int octave = std::bit_width(ns) - 1;  // >= 4
  const std::uint64_t sub = (ns >> (octave - 3)) & (kSub - 1);
  return std::min<std::size_t>(kBuckets - 1, 16 + (octave - 4) * kSub + sub);
}

std::uint64_t LagHistogram::upper_edge(std::size_t bucket) {
  if (bucket < 16) return bucket;
  const std::size_t octave = (bucket - 16) / kSub + 4;
  const std::uint64_t sub = (bucket - 16) % kSub;
  return ((kSub + sub + 1) << (octave - 3)) - 1;
}

namespace {

using Slot = std::pair<std::uint16_t, std::uint64_t>;

// The slot of `bucket`, inserted (count 0) where the order keeps it if absent.
std::uint64_t& slot_of(std::vector<Slot>& slots, std::size_t bucket) {
  const auto b = static_cast<std::uint16_t>(bucket);
  auto it = std::lower_bound(slots.begin(), slots.end(), b, [](const Slot& s, std::uint16_t v) { return s.first < v; });
  if (it == slots.end() || it->first != b) it = slots.insert(it, Slot{b, 0});
  return it->second;
}

}  // namespace

void LagHistogram::add(std::int64_t lag_ns) {
  const std::uint64_t v = lag_ns > 0 ? static_cast<std::uint64_t>(lag_ns) : 0;
  ++slot_of(buckets_, bucket_of(v));
  ++count_;
  max_ = std::max<std::int64_t>(max_, static_cast<std::int64_t>(v));
}

std::int64_t LagHistogram::quantile_ns(double q) const {
  if (count_ == 0) return 0;
  const auto rank = static_cast<std::uint64_t>(std::ceil(std::clamp(q, 0.0, 1.0) * static_cast<double>(count_)));
  std::uint64_t seen = 0;
  for (const auto& [b, n] : buckets_) {
    seen += n;
    if (seen >= std::max<std::uint64_t>(rank, 1))
      return std::min<std::int64_t>(static_cast<std::int64_t>(upper_edge(b)), max_);
  }
  return max_;
}

void LagHistogram::merge(const LagHistogram& other) {
  const std::vector<Slot> theirs = other.buckets_;  // a copy: `other` may be this histogram
  for (const auto& [b, n] : theirs) slot_of(buckets_, b) += n;
  count_ += other.count_;
  max_ = std::max(max_, other.max_);
}

}  // namespace memgate::load
