// Schedule lag (actual send time minus intended send time) in a fixed log-bucket
// histogram: 8 buckets per power of two (<= 12.5 % wide), exact below 16 ns, so a
// 24-hour run keeps the same ~4 KiB whatever the record count.
#pragma once

#include <array>
#include <cstdint>

namespace memgate::load {

class LagHistogram {
 public:
  void add(std::int64_t lag_ns);
  std::uint64_t count() const { return count_; }
  std::int64_t max_ns() const { return max_; }
  // Upper edge of the bucket holding the q-quantile (q in [0, 1]); 0 when empty.
  // Never reports less than the true quantile.
  std::int64_t quantile_ns(double q) const;
  void merge(const LagHistogram& other);

  static std::size_t bucket_of(std::uint64_t ns);
  static std::uint64_t upper_edge(std::size_t bucket);

 private:
  static constexpr std::size_t kSub = 8;  // buckets per octave
  static constexpr std::size_t kBuckets = 16 + 60 * kSub;
  std::array<std::uint64_t, kBuckets> buckets_{};
  std::uint64_t count_ = 0;
  std::int64_t max_ = 0;
};

}  // namespace memgate::load
