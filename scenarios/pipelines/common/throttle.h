// The adaptive memory throttle's decision with hysteresis (seed 001): pause at
// pause_ratio of the limit, resume only below resume_ratio, so it cannot oscillate.
// Pure: the caller measures RSS and applies the answer.
#pragma once

#include <cstdint>

namespace pipelines {

class Hysteresis {
 public:
  Hysteresis(std::uint64_t limit_bytes, double pause_ratio = 0.85, double resume_ratio = 0.75)
      : pause_at_(static_cast<double>(limit_bytes) * pause_ratio),
        resume_at_(static_cast<double>(limit_bytes) * resume_ratio) {}
  // Returns whether ingestion is paused after seeing `rss`.
  bool update(std::uint64_t rss) {
    const double r = static_cast<double>(rss);
    if (!paused_ && r > pause_at_) paused_ = true, ++pauses_;
    else if (paused_ && r < resume_at_) paused_ = false;
    return paused_;
  }
  bool paused() const { return paused_; }
  std::uint64_t pauses() const { return pauses_; }

 private:
  double pause_at_, resume_at_;
  bool paused_ = false;
  std::uint64_t pauses_ = 0;
};

}  // namespace pipelines
