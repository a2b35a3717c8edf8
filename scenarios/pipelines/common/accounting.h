// Where every record went. Each pipeline prints to_json() as its one stdout line at the
// end (and sends it on the metrics channel), so a no-data-loss check can compare it
// with what the generator sent:  received == processed + rejected + pending_spill.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>

#include <nlohmann/json.hpp>

namespace pipelines {

class Accounting {
 public:
  std::atomic<std::uint64_t> received{0};
  std::atomic<std::uint64_t> processed{0};
  std::atomic<std::uint64_t> spilled{0};
  std::atomic<std::uint64_t> replayed{0};

  void reject(const std::string& reason, std::uint64_t n = 1);
  std::uint64_t rejected_total() const;
  std::uint64_t rejected(const std::string& reason) const;
  // Records persisted to the spill directory and not yet replayed (they survive a restart).
  std::uint64_t pending_spill() const { return spilled.load() - replayed.load(); }
  // received - processed - rejected - pending_spill: must be 0.
  std::int64_t lost() const;

  // The accounting object; `extra` fields (pipeline, mode, stopped_by...) are merged in.
  nlohmann::json to_json(const nlohmann::json& extra = nlohmann::json::object()) const;

 private:
  mutable std::mutex mutex_;
  std::map<std::string, std::uint64_t> rejected_;
};

}  // namespace pipelines
