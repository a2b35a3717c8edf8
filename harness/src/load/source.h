// A stream of records, each with the scenario time it is due. The dispatcher pulls
// from one: generated records on a rate schedule, or a replayed trace.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "load/payload.h"
#include "load/schedule.h"

namespace memgate::load {

class RecordSource {
 public:
  virtual ~RecordSource() = default;
  // Scenario time (s) at which the next record is due; nullopt when exhausted.
  virtual std::optional<double> next_due() = 0;
  // Appends the next record (ending in '\n') and moves on.
  virtual void emit(std::string& out) = 0;
  // Moves on without producing the record (dropped by the late policy).
  virtual void skip() = 0;
  // Phase tag of the record next_due() describes (per-phase counts in the figures).
  // Valid until the next emit() or skip().
  virtual std::string_view phase() const = 0;
  virtual nlohmann::json stats() const { return nlohmann::json::object(); }
};

// Record k (1-based) is due at schedule.time_of_count(k); its content comes from the
// payload's record k-1. Ends with the schedule or the payload's limit.
class ScheduledSource final : public RecordSource {
 public:
  ScheduledSource(const Schedule& schedule, Payload& payload);
  std::optional<double> next_due() override;
  void emit(std::string& out) override;
  void skip() override { advance(); }
  std::string_view phase() const override { return phase_.name; }
  nlohmann::json stats() const override { return payload_.stats(); }

 private:
  void advance();
  void locate(double k);  // due_ and phase_ of record k
  Schedule::Cursor cursor_;
  Payload& payload_;
  std::uint64_t next_ = 1;  // 1-based count of the next record
  std::uint64_t last_;      // last record number the schedule and payload allow
  double due_ = 0;
  PhaseSpan phase_;  // of record next_; looked up again only when it can change
  std::size_t phase_segment_ = static_cast<std::size_t>(-1);
};

}  // namespace memgate::load
