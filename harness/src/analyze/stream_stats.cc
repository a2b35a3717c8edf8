#include "memgate/stream_stats.h"
#include "memgate/summary.h"

#include <algorithm>
#include <cmath>

namespace memgate::analyze {

namespace {
const double kLogRatio = std::log(QuantileSketch::kRatio);
const double kLogExactBelow = std::log(QuantileSketch::kExactBelow);
}  // namespace

std::size_t QuantileSketch::bucket_of(double value) const {
  if (!(value > 0)) return 0;  // negatives and NaN clamp to the first bucket
  if (value < kExactBelow) return static_cast<std::size_t>(value);
  const double steps = (std::log(value) - kLogExactBelow) / kLogRatio;
  return static_cast<std::size_t>(kExactBelow) + static_cast<std::size_t>(steps);
}

double QuantileSketch::value_of(std::size_t bucket) const {
  if (bucket < static_cast<std::size_t>(kExactBelow)) return static_cast<double>(bucket);
  const double steps = static_cast<double>(bucket - static_cast<std::size_t>(kExactBelow)) + 0.5;
  return std::exp(kLogExactBelow + steps * kLogRatio);  // geometric middle of the bucket
}

void QuantileSketch::add(double value) {
  const std::size_t bucket = bucket_of(value);
  if (bucket >= buckets_.size()) buckets_.resize(bucket + 1, 0);
  ++buckets_[bucket];
  ++count_;
}

std::optional<double> QuantileSketch::quantile(double q) const {
  if (count_ == 0) return std::nullopt;
  q = std::clamp(q, 0.0, 1.0);
  // Lower quantile: the smallest value with at least ceil(q * n) values at or below it.
  const auto rank = std::max<std::uint64_t>(1, static_cast<std::uint64_t>(std::ceil(q * static_cast<double>(count_))));
  std::uint64_t seen = 0;
  for (std::size_t b = 0; b < buckets_.size(); ++b) {
    seen += buckets_[b];
    if (seen >= rank) return value_of(b);
  }
  return value_of(buckets_.size() - 1);
}

void StreamStats::add(double t_s, double value) {
  if (count_ == 0) {
    min_ = max_ = first_ = value;
    max_at_s_ = t_s;
  }
  if (value < min_) min_ = value;
  if (value > max_) {
    max_ = value;
    max_at_s_ = t_s;
  }
  last_ = value;
  sum_ += value;
  ++count_;
  sketch_.add(value);
}

BoundedSeries::BoundedSeries(std::size_t capacity) : capacity_(std::max<std::size_t>(capacity, 2)) {}

void BoundedSeries::add(double t_s, double value) {
  ++total_;
  const auto back_is_full = [this] { return buckets_.empty() || buckets_.back().count >= per_bucket_; };
  if (back_is_full()) {
    if (buckets_.size() == capacity_) halve();  // may leave room in the last bucket
    if (back_is_full()) {
      // Reserved at the first point, not at construction: a series the run never fills
      // (no heap or cgroup columns) costs no allocation, and the buckets never move.
      if (buckets_.empty()) buckets_.reserve(capacity_);
      buckets_.push_back(Bucket{t_s, t_s, value, value, value, value, 1});
      return;
    }
  }
  Bucket& b = buckets_.back();
  b.t_last = t_s;
  b.sum += value;
  b.min = std::min(b.min, value);
  b.max = std::max(b.max, value);
  b.last = value;
  ++b.count;
}

void BoundedSeries::halve() {
  std::size_t out = 0;
  for (std::size_t i = 0; i < buckets_.size(); i += 2, ++out) {
    Bucket merged = buckets_[i];
    if (i + 1 < buckets_.size()) {
      const Bucket& next = buckets_[i + 1];
      merged.t_last = next.t_last;
      merged.sum += next.sum;
      merged.min = std::min(merged.min, next.min);
      merged.max = std::max(merged.max, next.max);
      merged.last = next.last;
      merged.count += next.count;
    }
    buckets_[out] = merged;
  }
  buckets_.resize(out);
  per_bucket_ *= 2;
}

std::vector<double> BoundedSeries::times() const {
  std::vector<double> out;
  out.reserve(buckets_.size());
  for (const auto& b : buckets_) out.push_back(b.t_mid());
  return out;
}

std::vector<double> BoundedSeries::means() const {
  std::vector<double> out;
  out.reserve(buckets_.size());
  for (const auto& b : buckets_) out.push_back(b.mean());
  return out;
}

}  // namespace memgate::analyze

namespace memgate {

MetricSummary summarize(const analyze::StreamStats& stats) {
  MetricSummary m;
  m.samples = stats.count();
  if (m.samples == 0) return m;
  m.min = stats.min();
  m.max = stats.max();
  m.max_at_s = stats.max_at_s();
  m.first = stats.first();
  m.last = stats.last();
  m.median = stats.median().value_or(0);
  m.mean = stats.mean();
  return m;
}

}  // namespace memgate
