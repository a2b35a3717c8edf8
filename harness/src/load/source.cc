#include "load/source.h"

#include <algorithm>

namespace memgate::load {

ScheduledSource::ScheduledSource(const Schedule& schedule, Payload& payload)
    : cursor_(schedule), payload_(payload), last_(schedule.total_records()) {
  if (auto limit = payload.limit()) last_ = std::min(last_, *limit);
  due_ = cursor_.time_of_count(1);
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
  if (next_ <= last_) due_ = cursor_.time_of_count(static_cast<double>(next_));
}

}  // namespace memgate::load
