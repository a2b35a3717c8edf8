#include "common/accounting.h"

namespace pipelines {

void Accounting::reject(const std::string& reason, std::uint64_t n) {
  std::lock_guard lock(mutex_);
  rejected_[reason] += n;
}

std::uint64_t Accounting::rejected_total() const {
  std::lock_guard lock(mutex_);
  std::uint64_t total = 0;
  for (const auto& [reason, n] : rejected_) total += n;
  return total;
}

std::uint64_t Accounting::rejected(const std::string& reason) const {
  std::lock_guard lock(mutex_);
  const auto it = rejected_.find(reason);
  return it == rejected_.end() ? 0 : it->second;
}

std::int64_t Accounting::lost() const {
  return static_cast<std::int64_t>(received.load()) - static_cast<std::int64_t>(processed.load()) -
         static_cast<std::int64_t>(rejected_total()) - static_cast<std::int64_t>(pending_spill());
}

nlohmann::json Accounting::to_json(const nlohmann::json& extra) const {
  nlohmann::json rejected = nlohmann::json::object();
  {
    std::lock_guard lock(mutex_);
    for (const auto& [reason, n] : rejected_) rejected[reason] = n;
  }
  nlohmann::json j = {{"received", received.load()},
                      {"processed", processed.load()},
                      {"rejected", rejected},
                      {"rejected_total", rejected_total()},
                      {"spilled", spilled.load()},
                      {"replayed", replayed.load()},
                      {"pending_spill", pending_spill()},
                      {"lost", lost()}};
  j.update(extra);
  return j;
}

}  // namespace pipelines
