// Bounded-memory summaries of an arbitrarily long series: exact min/max/first/last
// and a quantile sketch with 0.1 % relative error. memgate must stay memory-flat over
// a 24-hour run, so nothing here keeps the samples themselves.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

namespace memgate::analyze {

// Values below kExactBelow get one bucket each (exact for fd/thread counts);
// above, buckets grow geometrically by kRatio, so the memory is fixed (~16k buckets
// for the whole uint64 range actually used by RSS).
class QuantileSketch {
 public:
  static constexpr double kExactBelow = 2048;
  static constexpr double kRatio = 1.001;

  void add(double value);
  std::size_t count() const { return count_; }
  // q in [0, 1]; nullopt when empty. Exact below kExactBelow, else within 0.1 %.
  std::optional<double> quantile(double q) const;

 private:
  std::size_t bucket_of(double value) const;
  double value_of(std::size_t bucket) const;
  std::vector<std::uint64_t> buckets_;
  std::size_t count_ = 0;
};

class StreamStats {
 public:
  void add(double t_s, double value);
  std::size_t count() const { return count_; }
  double min() const { return min_; }
  double max() const { return max_; }
  double max_at_s() const { return max_at_s_; }
  double first() const { return first_; }
  double last() const { return last_; }
  double mean() const { return count_ ? sum_ / static_cast<double>(count_) : 0; }
  std::optional<double> median() const { return sketch_.quantile(0.5); }
  std::optional<double> quantile(double q) const { return sketch_.quantile(q); }

 private:
  std::size_t count_ = 0;
  double min_ = 0, max_ = 0, max_at_s_ = 0, first_ = 0, last_ = 0, sum_ = 0;
  QuantileSketch sketch_;
};

// A series reduced on the fly to at most `capacity` buckets of equally many points
// (equal time width at a steady sample rate): when
// full, neighbours merge pairwise, so any run length fits in fixed memory while the
// shape (mean, min, max per bucket) survives for trend analysis and plots.
class BoundedSeries {
 public:
  struct Bucket {
    double t_first = 0, t_last = 0;
    double sum = 0, min = 0, max = 0, last = 0;
    std::size_t count = 0;
    double mean() const { return count ? sum / static_cast<double>(count) : 0; }
    double t_mid() const { return 0.5 * (t_first + t_last); }
  };

  BoundedSeries() : BoundedSeries(8192) {}
  explicit BoundedSeries(std::size_t capacity);
  void add(double t_s, double value);
  const std::vector<Bucket>& buckets() const { return buckets_; }
  std::size_t points_per_bucket() const { return per_bucket_; }
  std::size_t total_points() const { return total_; }
  // Bucket means and mid-times, the usual input of the trend statistics.
  std::vector<double> times() const;
  std::vector<double> means() const;

 private:
  void halve();
  std::size_t capacity_;
  std::size_t per_bucket_ = 1;  // points merged per bucket (doubles on each halving)
  std::size_t total_ = 0;
  std::vector<Bucket> buckets_;
};

}  // namespace memgate::analyze
