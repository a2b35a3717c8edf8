#include "load/dispatcher.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "memgate/error.h"

namespace memgate::load {
namespace {
constexpr std::int64_t kMaxSleepNs = 20'000'000;  // wake up at least this often to notice stop
}

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

nlohmann::json DispatchStats::to_json() const {
  return {{"offered", offered},
          {"sent", sent},
          {"accepted", accepted},
          {"dropped", dropped},
          {"lag_s", {{"p50", lag.quantile_ns(0.5) * 1e-9}, {"p99", lag.quantile_ns(0.99) * 1e-9}, {"max", lag.max_ns() * 1e-9}}},
          {"blocked_s", blocked_s},
          {"elapsed_s", elapsed_s},
          {"peer_closed", peer_closed},
          {"source_exhausted", source_exhausted}};
}

Dispatcher::Dispatcher(RecordSource& source, Transport& transport, Clock& clock, DispatchOptions options)
    : source_(source), transport_(transport), clock_(clock), options_(options) {
  if (!(options_.time_scale > 0) || !std::isfinite(options_.time_scale))
    throw Error(ExitCode::usage, "traffic.time_scale: expected a number > 0");
  if (options_.late_policy != LatePolicy::queue && !(options_.max_lag_s > 0))
    options_.max_lag_s = default_max_lag_s(options_.late_policy);
}

void Dispatcher::flush(std::string& batch, std::vector<std::int64_t>& deadlines, const std::atomic<bool>& stop) {
  const std::size_t written = transport_.write(batch, stop);
  // Only complete lines count as accepted.
  const std::size_t accepted =
      written == batch.size()
          ? deadlines.size()
          : static_cast<std::size_t>(std::count(batch.begin(), batch.begin() + static_cast<std::ptrdiff_t>(written), '\n'));
  stats_.accepted += accepted;
  // Lag runs to the moment the record is in the target's pipe / socket, so time spent
  // blocked on backpressure counts.
  const std::int64_t done = clock_.now_ns();
  for (std::size_t i = 0; i < accepted; ++i) stats_.lag.add(done - deadlines[i]);
  batch.clear();
  deadlines.clear();
}

void Dispatcher::run(const std::atomic<bool>& stop, std::int64_t anchor_ns) {
  const std::int64_t anchor = anchor_ns != 0 ? anchor_ns : clock_.now_ns();
  const double ns_per_scenario_s = 1e9 / options_.time_scale;
  const auto max_lag_ns = static_cast<std::int64_t>(options_.max_lag_s * 1e9);
  const bool bounded = options_.late_policy != LatePolicy::queue;
  auto due_ns = [&](double due_s) { return anchor + static_cast<std::int64_t>(std::llround(due_s * ns_per_scenario_s)); };

  std::string batch;
  batch.reserve(options_.batch_bytes + 4096);
  std::vector<std::int64_t> deadlines;  // of the records in batch: bounded by batch_bytes
  std::int64_t now = 0;
  while (!stop.load(std::memory_order_relaxed)) {
    std::uint64_t in_batch = 0;
    std::optional<double> due;
    while ((due = source_.next_due())) {
      const std::int64_t deadline = due_ns(*due);
      now = clock_.now_ns();  // per record: building a batch takes time, lag must include it
      if (deadline > now) break;
      const std::int64_t lag = now - deadline;
      if (bounded && lag > max_lag_ns) {
        source_.skip();
        ++stats_.dropped;
        continue;
      }
      source_.emit(batch);
      ++stats_.sent;
      ++in_batch;
      deadlines.push_back(deadline);
      if (batch.size() >= options_.batch_bytes) break;
    }
    if (in_batch > 0) {
      flush(batch, deadlines, stop);
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
  // Records due by now that never went out still count as offered.
  now = clock_.now_ns();
  std::uint64_t unsent = 0;
  for (std::optional<double> due; (due = source_.next_due()) && due_ns(*due) <= now;) {
    source_.skip();
    ++unsent;
  }
  stats_.offered = stats_.sent + stats_.dropped + unsent;
  stats_.blocked_s = transport_.blocked_s();
  stats_.elapsed_s = static_cast<double>(now - anchor) * 1e-9;
}

}  // namespace memgate::load
