#include "load/source.h"

#include <algorithm>

namespace memgate::load {

ScheduledSource::ScheduledSource(const Schedule& schedule, Payload& payload)
    : cursor_(schedule), payload_(payload), last_(schedule.total_records()) {
  if (auto limit = payload.limit()) last_ = std::min(last_, *limit);
  locate(1);
}

void ScheduledSource::locate(double k) {
  due_ = cursor_.time_of_count(k);
  if (cursor_.segment() != phase_segment_ || due_ > phase_.until_s) {
    phase_ = cursor_.phase(due_);
    phase_segment_ = cursor_.segment();
  }
}

std::optional<double> ScheduledSource::next_due() {
  if (next_ > last_) return std::nullopt;
  return due_;
}

void ScheduledSource::emit(std::string& out) {
  payload_.append(next_ - 1, due_, out);
  advance();
}

void ScheduledSource::advance() {
  ++next_;
  if (next_ <= last_) locate(static_cast<double>(next_));
}

}  // namespace memgate::load
