#include "load/traffic_driver.h"

#include <signal.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>

#include "memgate/error.h"
#include "sys/child.h"
#include "sys/clock.h"
#include "sys/file_access.h"

namespace memgate::load {

std::string_view to_string(TransportSpec::Kind kind) {
  switch (kind) {
    case TransportSpec::Kind::stdin_pipe: return "stdin";
    case TransportSpec::Kind::unix_socket: return "unix";
    case TransportSpec::Kind::tcp: return "tcp";
    case TransportSpec::Kind::command: return "command";
  }
  return "?";
}

std::string_view to_string(PayloadSpec::Kind kind) {
  switch (kind) {
    case PayloadSpec::Kind::sensors: return "sensors";
    case PayloadSpec::Kind::od_pairs: return "od_pairs";
    case PayloadSpec::Kind::trace: return "trace";
    case PayloadSpec::Kind::none: return "none";
  }
  return "?";
}

void check_deliverable(const TrafficConfig& config, const Schedule& schedule) {
  if (config.transport.kind == TransportSpec::Kind::command) return;  // the command sends, not memgate
  const double needed = schedule.peak_rate() * config.time_scale;
  if (needed <= config.max_rate) return;
  char message[512];
  std::snprintf(message, sizeof message,
                "traffic: the schedule needs %.0f records/s at its peak (%.0f/s x time_scale %g) but this machine "
                "delivers at most traffic.max_rate = %.0f/s; lower time_scale to %g or less, or lower the rates",
                needed, schedule.peak_rate(), config.time_scale, config.max_rate,
                std::floor(config.max_rate / schedule.peak_rate() * 1000) / 1000);
  throw Error(ExitCode::usage, message);
}

TrafficDriver::TrafficDriver(TrafficConfig config, std::unique_ptr<Clock> clock)
    : config_(std::move(config)), clock_(clock ? std::move(clock) : std::make_unique<MonotonicClock>()) {
  if (!(config_.time_scale > 0) || !std::isfinite(config_.time_scale))
    throw Error(ExitCode::usage, "traffic.time_scale: expected a number > 0");
  const bool needs_schedule =
      config_.payload.kind == PayloadSpec::Kind::sensors || config_.payload.kind == PayloadSpec::Kind::od_pairs;
  if (config_.cycles.count > 0) {
    config_.stages = cycle_stages(config_.stages, config_.bursts.size(), config_.cycles);
    config_.cycles = {};  // expanded once
    hold_to_end_ = true;
  }
  if (!config_.stages.empty()) {
    schedule_.emplace(config_.stages, config_.bursts);
    check_deliverable(config_, *schedule_);
  } else if (needs_schedule) {
    throw Error(ExitCode::usage, "traffic.stages: expected at least one stage for a generated payload");
  }
  if (config_.transport.kind == TransportSpec::Kind::command && config_.transport.argv.empty())
    throw Error(ExitCode::usage, "traffic.transport.command: expected the load command's argv");
  if (config_.transport.kind == TransportSpec::Kind::unix_socket)
    if (const std::string problem = unix_path_problem(config_.transport.path); !problem.empty())
      throw Error(ExitCode::usage, "traffic.transport.path: " + problem);
  // A missing or unreadable trace (or a directory) is known now, not after the target started.
  // (stat and access, not open: a FIFO must not lose its writer to a check.)
  if (config_.payload.kind == PayloadSpec::Kind::trace) {
    const std::string& path = config_.payload.trace_path;
    const auto st = sys::file_status(path);
    if (!st || !sys::is_readable(path))
      throw Error(ExitCode::usage, errno_message("cannot open trace file " + path, errno) + "; check the path");
    if (st->directory)
      throw Error(ExitCode::usage, "trace file " + path + " is a directory; expected a JSON-lines file");
  }
}

TrafficDriver::~TrafficDriver() {
  if (started_ && !result_) stop();
}

TrafficDriver::Live TrafficDriver::live() const {
  Live l{live_.sent.load(std::memory_order_relaxed), live_.accepted.load(std::memory_order_relaxed),
         live_.dropped.load(std::memory_order_relaxed), std::nullopt};
  if (const std::int64_t lag = live_.last_lag_ns.load(std::memory_order_relaxed); lag != INT64_MIN)
    l.lag_s = static_cast<double>(lag) / 1e9;
  return l;
}

std::optional<double> TrafficDriver::duration_s() const {
  if (!schedule_) return std::nullopt;
  return schedule_->duration_s() / config_.time_scale;
}

std::string TrafficDriver::phase_at(double t_s) const {
  if (schedule_) return schedule_->phase_at(scenario_time_at(t_s));
  return config_.payload.kind == PayloadSpec::Kind::trace ? sent_phase_.get() : "nominal";
}

std::vector<PhaseStart> TrafficDriver::phases_begun(double from_s, double to_s) const {
  if (!schedule_) return {};
  auto begun = schedule_->phases_begun(scenario_time_at(from_s), scenario_time_at(to_s));
  for (auto& p : begun) p.t_s /= config_.time_scale;
  return begun;
}

// The phase of the trace's first record, posted before the sender thread starts: the
// samples taken before it sends that record belong to its phase, not to "replay".
void TrafficDriver::post_first_trace_phase() {
  try {
    TraceReader reader(config_.payload.trace_path, config_.payload.replay.read);
    TraceEntry first;
    if (reader.next(first) && !first.phase.empty()) sent_phase_.set(first.phase);
  } catch (const Error&) {
    // The sender reads the trace again and reports what is wrong with it, as before.
  }
}

void TrafficDriver::start(int target_stdin_fd) {
  if (started_) throw Error(ExitCode::internal, "TrafficDriver::start called twice");
  if (config_.transport.kind == TransportSpec::Kind::stdin_pipe && target_stdin_fd < 0)
    throw Error(ExitCode::internal, "traffic on stdin needs the target's stdin pipe");
  started_ = true;
  if (config_.payload.kind == PayloadSpec::Kind::trace) post_first_trace_phase();
  anchor_ns_ = clock_->now_ns();
  if (config_.transport.kind == TransportSpec::Kind::command) {
    thread_ = std::thread([this] { run_command(); });
  } else {
    thread_ = std::thread([this, target_stdin_fd] { run_sender(target_stdin_fd); });
  }
}

void TrafficDriver::run_sender(int fd) {
  nlohmann::json figures;
  try {
    const TransportSpec& t = config_.transport;
    std::string description = "the target's stdin";
    if (t.kind == TransportSpec::Kind::unix_socket) {
      fd = connect_unix(t.path, t.connect_timeout_s, stop_);
      description = "unix socket " + t.path;
    } else if (t.kind == TransportSpec::Kind::tcp) {
      fd = connect_tcp(t.host, t.port, t.connect_timeout_s, stop_);
      description = "tcp " + t.host + ":" + std::to_string(t.port);
    }
    FdTransport transport(fd, description);
    std::unique_ptr<Payload> payload;
    std::unique_ptr<RecordSource> source;
    switch (config_.payload.kind) {
      case PayloadSpec::Kind::sensors: payload = std::make_unique<SensorPayload>(config_.payload.sensors); break;
      case PayloadSpec::Kind::od_pairs: payload = std::make_unique<OdPairsPayload>(config_.payload.od_pairs); break;
      case PayloadSpec::Kind::trace:
        source = std::make_unique<TraceSource>(config_.payload.trace_path, config_.payload.replay, &sent_phase_);
        break;
      case PayloadSpec::Kind::none: break;
    }
    if (payload) source = std::make_unique<ScheduledSource>(*schedule_, *payload);
    if (source) {
      Dispatcher dispatcher(*source, transport, *clock_,
                            {config_.time_scale, config_.late_policy, config_.max_lag_s, 64 * 1024, 0.001, &live_});
      dispatcher.run(stop_, anchor_ns_);
      figures = dispatcher.stats().to_json();
      figures["payload_stats"] = source->stats();
    }
    // Cycles end in a quiet phase without records: the input stays open through it.
    if (hold_to_end_ && schedule_) {
      const auto end_ns = anchor_ns_ + static_cast<std::int64_t>(schedule_->duration_s() / config_.time_scale * 1e9);
      while (!stop_.load() && clock_->now_ns() < end_ns)
        clock_->sleep_until(std::min(end_ns, clock_->now_ns() + 50'000'000));
    }
    transport.close();
  } catch (const Error& e) {
    figures["error"] = e.what();
    figures["error_exit_code"] = static_cast<int>(e.code());
  } catch (const std::exception& e) {
    figures["error"] = e.what();
    figures["error_exit_code"] = static_cast<int>(ExitCode::internal);
  }
  failed_ = figures.contains("error");
  figures_ = std::move(figures);
  finished_ = true;
}

void TrafficDriver::run_command() {
  nlohmann::json figures;
  std::optional<sys::Child> child;
  int starts = 0;
  double running_s = 0;
  std::int64_t started_at = 0;
  nlohmann::json exits = nlohmann::json::array();
  auto stop_child = [&] {
    if (!child) return;
    const std::int64_t deadline = clock_->now_ns() + static_cast<std::int64_t>(config_.transport.stop_grace_s * 1e9);
    child->signal_group(SIGTERM);
    std::optional<sys::ExitStatus> status;
    while (!(status = child->poll()) && clock_->now_ns() < deadline) sys::sleep_for_seconds(0.01);
    if (!status) {
      child->signal_group(SIGKILL);
      status = child->wait();
    }
    exits.push_back(status->describe());
    running_s += static_cast<double>(clock_->now_ns() - started_at) * 1e-9;
    child.reset();
  };
  try {
    const auto& phases = config_.transport.phases;
    while (!stop_.load()) {
      const double t = static_cast<double>(clock_->now_ns() - anchor_ns_) * 1e-9;
      const std::string phase = phase_at(t);
      const bool over = schedule_ && phase == "end";
      const bool wanted = !over && (phases.empty() || std::find(phases.begin(), phases.end(), phase) != phases.end());
      if (child) {
        if (auto status = child->poll()) {  // the command ended on its own
          exits.push_back(status->describe());
          running_s += static_cast<double>(clock_->now_ns() - started_at) * 1e-9;
          child.reset();
          if (phases.empty()) break;
        }
      }
      if (wanted && !child && (starts == 0 || !phases.empty())) {
        // Its output goes to memgate's stderr: stdout carries only memgate's own (--json: the report).
        child.emplace(sys::Child::spawn({config_.transport.argv, config_.transport.env_set, "", -1, 2}));
        started_at = clock_->now_ns();
        ++starts;
      } else if (!wanted && child) {
        stop_child();
      }
      if (over) break;
      clock_->sleep_until(clock_->now_ns() + 10'000'000);
    }
    stop_child();
  } catch (const Error& e) {
    figures["error"] = e.what();
    figures["error_exit_code"] = static_cast<int>(e.code());
  }
  figures["command"] = config_.transport.argv;
  figures["starts"] = starts;
  figures["running_s"] = running_s;
  figures["exits"] = exits;
  failed_ = figures.contains("error");
  figures_ = std::move(figures);
  finished_ = true;
}

std::optional<nlohmann::json> TrafficDriver::nothing_offered_check(const nlohmann::json& figures) const {
  // A sender error is reported as such (the runner turns it into a failed check); the
  // external command's records are not counted by memgate.
  if (figures.contains("error") || config_.transport.kind == TransportSpec::Kind::command) return std::nullopt;
  const auto offered = figures.find("offered");
  if (offered != figures.end() && offered->is_number() && offered->get<double>() > 0) return std::nullopt;
  std::string why;
  if (schedule_) {
    char text[256];
    std::snprintf(text, sizeof text,
                  "the schedule planned %.6g records over %.6g s of scenario time but none were offered before the run "
                  "ended (the first was due at %.6g s); lengthen sampling.duration_s or raise the rates",
                  std::floor(schedule_->cumulative(schedule_->duration_s())), schedule_->duration_s(),
                  schedule_->time_of_count(1));
    why = text;
  } else {
    why = "the trace " + config_.payload.trace_path + " offered no records (empty, or every line malformed)";
  }
  return nlohmann::json{
      {"id", "traffic"},
      {"outcome", "inconclusive"},
      {"summary", "no traffic reached the target, so the run says nothing about memory under load: " + why},
      {"figures", {{"offered", {{"value", 0}, {"unit", "records"}}}}}};
}

nlohmann::json TrafficDriver::stop() {
  if (result_) return *result_;
  stop_ = true;
  if (thread_.joinable()) thread_.join();
  nlohmann::json result = {{"transport", to_string(config_.transport.kind)},
                           {"payload", to_string(config_.payload.kind)},
                           {"late_policy", to_string(config_.late_policy)},
                           {"time_scale", config_.time_scale}};
  if (config_.late_policy != LatePolicy::queue)
    result["max_lag_s"] = config_.max_lag_s > 0 ? config_.max_lag_s : default_max_lag_s(config_.late_policy);
  if (schedule_) result["schedule_duration_s"] = schedule_->duration_s();
  result.update(figures_);
  if (auto check = nothing_offered_check(result)) result["checks"] = nlohmann::json::array({*check});
  result_ = result;
  return result;
}

}  // namespace memgate::load
