// The open-loop sender: record k is due at anchor + due_k / time_scale on the
// monotonic clock, where the anchor is fixed once at start. Every record due by "now"
// goes out in one write (batches of up to batch_bytes), then the dispatcher sleeps
// until the next deadline. Late records follow the late policy; everything is counted.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "load/clock.h"
#include "load/lag_histogram.h"
#include "load/source.h"
#include "load/transport.h"

namespace memgate::load {

enum class LatePolicy {
  queue,     // send everything, however late; lag measured from the intended time
  drop,      // records later than max_lag_s are dropped and counted
  catch_up,  // send late records back to back, but drop those beyond max_lag_s
};
std::string_view to_string(LatePolicy policy);
LatePolicy late_policy_from_string(std::string_view name);  // throws Error(usage)
double default_max_lag_s(LatePolicy policy);                // drop: 1 ms, catch_up: 1 s

// Running totals another thread may read while the sender runs (the live export).
struct LiveCounts {
  std::atomic<std::uint64_t> sent{0}, accepted{0}, dropped{0};
  std::atomic<std::int64_t> last_lag_ns{INT64_MIN};  // of the last accepted record; INT64_MIN: none yet
};

struct DispatchOptions {
  double time_scale = 1;  // scenario seconds per wall second
  LatePolicy late_policy = LatePolicy::queue;
  double max_lag_s = 0;  // drop / catch_up bound (wall seconds)
  std::size_t batch_bytes = 64 * 1024;
  double late_after_s = 0.001;  // an accepted record with more lag than this counts as late
  LiveCounts* live = nullptr;   // kept up to date when set
};

// The record counts, overall or of one phase tag.
struct RecordCounts {
  std::uint64_t offered = 0;   // records due by the end (sent + dropped + still unsent)
  std::uint64_t sent = 0;      // handed to the transport
  std::uint64_t accepted = 0;  // completely written into the target's pipe / socket
  std::uint64_t dropped = 0;   // by the late policy
  std::uint64_t late = 0;      // accepted more than late_after_s after they were due
  LagHistogram lag;            // when the record was fully written minus when it was due, per accepted record
};

struct PhaseCounts : RecordCounts {
  std::string phase;
};

struct DispatchStats : RecordCounts {
  // Per phase tag, in order of first appearance; at most kMaxPhases (later tags share
  // the last slot, "other"), so a year-long hourly soak stays bounded (well under 1 KiB each).
  static constexpr std::size_t kMaxPhases = 256;
  std::vector<PhaseCounts> phases;
  // The heap the per-phase table holds (slots, names, histogram buckets): bounded by
  // kMaxPhases x (sizeof(PhaseCounts) + a few dozen buckets), whatever the run length.
  std::size_t phase_table_bytes() const;
  double late_after_s = 0.001;
  std::string sender_thread;  // what the clock set up for punctual wake-ups
  double blocked_s = 0;       // waiting on the target's backpressure
  double elapsed_s = 0;       // wall time from anchor to the end
  bool peer_closed = false;
  bool source_exhausted = false;
  bool offered_is_lower_bound = false;  // counting the unsent records stopped at its bound
  nlohmann::json to_json() const;
};

class Dispatcher {
 public:
  // After the stop, records due but never sent are counted (offered) up to this many,
  // or for this long: whichever comes first.
  static constexpr std::uint64_t kMaxUnsentCounted = 1ull << 24;
  static constexpr std::int64_t kMaxUnsentCountNs = 1'000'000'000;
  Dispatcher(RecordSource& source, Transport& transport, Clock& clock, DispatchOptions options);
  // Runs until the source is exhausted, the peer closes or stop is raised. anchor_ns:
  // the monotonic time of scenario t=0 (0: now).
  void run(const std::atomic<bool>& stop, std::int64_t anchor_ns = 0);
  const DispatchStats& stats() const { return stats_; }

 private:
  void flush(std::string& batch, const std::atomic<bool>& stop);
  // The slot of the phase the source's next record belongs to.
  PhaseCounts& phase_of_next();
  RecordSource& source_;
  Transport& transport_;
  Clock& clock_;
  DispatchOptions options_;
  DispatchStats stats_;
  std::size_t current_phase_ = 0;
  // Of the records in the batch being built (bounded by batch_bytes).
  std::vector<std::int64_t> deadlines_;
  std::vector<std::uint32_t> batch_phases_;
};

}  // namespace memgate::load
