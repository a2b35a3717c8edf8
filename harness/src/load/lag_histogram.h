// Schedule lag (actual send time minus intended send time) in a log-bucket histogram:
// 8 buckets per power of two (<= 12.5 % wide), exact below 16 ns. Only the buckets a
// lag fell in are stored (sorted, 16 bytes each; at most 496): lags cluster in a few
// dozen buckets, so the dispatcher's per-phase histograms (one per phase tag, up to
// 256 in a long hourly soak) cost well under a KiB each instead of ~4 KiB.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

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
  // Buckets holding at least one lag (what the histogram's memory grows with).
  std::size_t used_buckets() const { return buckets_.size(); }
  static constexpr std::size_t kSlotBytes = 16;  // one stored bucket
  std::size_t heap_bytes() const { return buckets_.capacity() * kSlotBytes; }

 private:
  static constexpr std::size_t kSub = 8;  // buckets per octave
  static constexpr std::size_t kBuckets = 16 + 60 * kSub;
  std::vector<std::pair<std::uint16_t, std::uint64_t>> buckets_;  // (bucket, count), by bucket
  static_assert(sizeof(std::pair<std::uint16_t, std::uint64_t>) == kSlotBytes);
  std::uint64_t count_ = 0;
  std::int64_t max_ = 0;
};

}  // namespace memgate::load
