#include "load/dispatcher.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "memgate/error.h"

namespace memgate::load {
namespace {
constexpr std::int64_t kMaxSleepNs = 20'000'000;  // wake up at least this often to notice stop
}  // namespace

std::string_view to_string(LatePolicy policy) {
  switch (policy) {
    case LatePolicy::queue: return "queue";
    case LatePolicy::drop: return "drop";
    case LatePolicy::catch_up: return "catch_up";
  }
  return "?";
}

LatePolicy late_policy_from_string(std::string_view name) {
  if (name == "queue") return LatePolicy::queue;
  if (name == "drop") return LatePolicy::drop;
  if (name == "catch_up") return LatePolicy::catch_up;
  throw Error(ExitCode::usage, "late policy \"" + std::string(name) + "\": expected queue, drop or catch_up");
}

double default_max_lag_s(LatePolicy policy) {
  switch (policy) {
    case LatePolicy::queue: return 0;
    case LatePolicy::drop: return 0.001;
    case LatePolicy::catch_up: return 1.0;
  }
  return 0;
}

namespace {

nlohmann::json counts_json(const RecordCounts& c) {
  const LagHistogram& lag = c.lag;
  return {
      {"offered", c.offered},
      {"sent", c.sent},
      {"accepted", c.accepted},
      {"dropped", c.dropped},
      {"late", c.late},
      {"lag_s",
       {{"p50", lag.quantile_ns(0.5) * 1e-9}, {"p99", lag.quantile_ns(0.99) * 1e-9}, {"max", lag.max_ns() * 1e-9}}}};
}

}  // namespace

std::size_t DispatchStats::phase_table_bytes() const {
  std::size_t bytes = phases.capacity() * sizeof(PhaseCounts);
  for (const PhaseCounts& p : phases) {
    bytes += p.lag.heap_bytes();
    if (p.phase.capacity() > 15) bytes += p.phase.capacity() + 1;  // beyond the short-string buffer
  }
  return bytes;
}

nlohmann::json DispatchStats::to_json() const {
  nlohmann::json j = counts_json(*this);
  nlohmann::json by_phase = nlohmann::json::array();
  for (const PhaseCounts& p : phases) {
    nlohmann::json row = {{"phase", p.phase}};
    row.update(counts_json(p));
    by_phase.push_back(std::move(row));
  }
  j["phases"] = std::move(by_phase);
  j["late_after_s"] = late_after_s;
  if (!sender_thread.empty()) j["sender_thread"] = sender_thread;
  j["blocked_s"] = blocked_s;
  j["elapsed_s"] = elapsed_s;
  j["peer_closed"] = peer_closed;
  j["source_exhausted"] = source_exhausted;
  if (offered_is_lower_bound) j["offered_is_lower_bound"] = true;
  return j;
}

Dispatcher::Dispatcher(RecordSource& source, Transport& transport, Clock& clock, DispatchOptions options)
    : source_(source), transport_(transport), clock_(clock), options_(options) {
  if (!(options_.time_scale > 0) || !std::isfinite(options_.time_scale))
    throw Error(ExitCode::usage, "traffic.time_scale: expected a number > 0");
  if (options_.late_policy != LatePolicy::queue && !(options_.max_lag_s > 0))
    options_.max_lag_s = default_max_lag_s(options_.late_policy);
}

PhaseCounts& Dispatcher::phase_of_next() {
  const std::string_view name = source_.phase();
  auto& phases = stats_.phases;
  if (!phases.empty() && phases[current_phase_].phase == name) return phases[current_phase_];
  auto it = std::find_if(phases.begin(), phases.end(), [&](const PhaseCounts& p) { return p.phase == name; });
  if (it == phases.end()) {
    // The last slot is kept for "other" so the table never grows past kMaxPhases.
    if (phases.size() + 1 < DispatchStats::kMaxPhases) {
      phases.emplace_back().phase = name;
    } else if (phases.size() + 1 == DispatchStats::kMaxPhases) {
      phases.emplace_back().phase = "other";
    }
    it = phases.end() - 1;
  }
  current_phase_ = static_cast<std::size_t>(it - phases.begin());
  return *it;
}

void Dispatcher::flush(std::string& batch, const std::atomic<bool>& stop) {
  if (options_.live) options_.live->sent.store(stats_.sent, std::memory_order_relaxed);
  const std::size_t written = transport_.write(batch, stop);
  // Only complete lines count as accepted.
  const std::size_t accepted = written == batch.size()
                                   ? deadlines_.size()
                                   : static_cast<std::size_t>(std::count(
                                         batch.begin(), batch.begin() + static_cast<std::ptrdiff_t>(written), '\n'));
  // Lag runs to the moment the record is in the target's pipe / socket, so time spent
  // blocked on backpressure counts.
  const std::int64_t done = clock_.now_ns();
  const auto late_after_ns = static_cast<std::int64_t>(options_.late_after_s * 1e9);
  stats_.accepted += accepted;
  if (options_.live && accepted > 0) {
    options_.live->accepted.store(stats_.accepted, std::memory_order_relaxed);
    options_.live->last_lag_ns.store(done - deadlines_[accepted - 1], std::memory_order_relaxed);
  }
  for (std::size_t i = 0; i < accepted; ++i) {
    const std::int64_t lag = done - deadlines_[i];
    PhaseCounts& phase = stats_.phases[batch_phases_[i]];
    ++phase.accepted;
    stats_.lag.add(lag);
    phase.lag.add(lag);
    if (lag > late_after_ns) {
      ++stats_.late;
      ++phase.late;
    }
  }
  batch.clear();
  deadlines_.clear();
  batch_phases_.clear();
}

void Dispatcher::run(const std::atomic<bool>& stop, std::int64_t anchor_ns) {
  const std::int64_t anchor = anchor_ns != 0 ? anchor_ns : clock_.now_ns();
  const double ns_per_scenario_s = 1e9 / options_.time_scale;
  const auto max_lag_ns = static_cast<std::int64_t>(options_.max_lag_s * 1e9);
  const bool bounded = options_.late_policy != LatePolicy::queue;
  auto due_ns = [&](double due_s) {
    return anchor + static_cast<std::int64_t>(std::llround(due_s * ns_per_scenario_s));
  };

  std::string batch;
  batch.reserve(options_.batch_bytes + 4096);
  deadlines_.reserve(4096);
  batch_phases_.reserve(4096);
  stats_.late_after_s = options_.late_after_s;
  stats_.sender_thread = clock_.prepare_thread();
  std::int64_t now = 0;
  while (!stop.load(std::memory_order_relaxed)) {
    std::uint64_t in_batch = 0;
    std::optional<double> due;
    while ((due = source_.next_due())) {
      const std::int64_t deadline = due_ns(*due);
      now = clock_.now_ns();  // per record: building a batch takes time, lag must include it
      if (deadline > now) break;
      const std::int64_t lag = now - deadline;
      PhaseCounts& phase = phase_of_next();
      if (bounded && lag > max_lag_ns) {
        source_.skip();
        ++stats_.dropped;
        if (options_.live) options_.live->dropped.store(stats_.dropped, std::memory_order_relaxed);
        ++phase.dropped;
        // Dropping never fills the batch: look at stop now and then, or a source
        // with endless late records would keep this loop from ever seeing it.
        if (stats_.dropped % 4096 == 0 && stop.load(std::memory_order_relaxed)) break;
        continue;
      }
      source_.emit(batch);
      ++stats_.sent;
      ++phase.sent;
      ++in_batch;
      deadlines_.push_back(deadline);
      batch_phases_.push_back(static_cast<std::uint32_t>(current_phase_));
      if (batch.size() >= options_.batch_bytes) break;
    }
    if (in_batch > 0) {
      flush(batch, stop);
      if (transport_.peer_closed()) break;
      continue;
    }
    if (!due) {
      stats_.source_exhausted = true;
      break;
    }
    clock_.sleep_until(std::min(due_ns(*due), now + kMaxSleepNs));
  }
  stats_.peer_closed = transport_.peer_closed();
  // Records due by now that never went out still count as offered. Bounded in count
  // and time, so no source (one that never runs out, or a million records due at one
  // instant) can keep memgate from ending: past the bound, offered is a lower bound.
  now = clock_.now_ns();
  std::uint64_t unsent = 0;
  const std::int64_t give_up = now + kMaxUnsentCountNs;
  for (std::optional<double> due; (due = source_.next_due()) && due_ns(*due) <= now;) {
    if (unsent >= kMaxUnsentCounted || (unsent % 4096 == 4095 && clock_.now_ns() > give_up)) {
      stats_.offered_is_lower_bound = true;
      break;
    }
    ++phase_of_next().offered;
    source_.skip();
    ++unsent;
  }
  stats_.offered = stats_.sent + stats_.dropped + unsent;
  for (PhaseCounts& p : stats_.phases) p.offered += p.sent + p.dropped;
  stats_.blocked_s = transport_.blocked_s();
  stats_.elapsed_s = static_cast<double>(now - anchor) * 1e-9;
}

}  // namespace memgate::load
