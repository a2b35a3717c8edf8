// What the runner drives: the whole traffic side of a scenario on its own thread.
//
//   load::TrafficDriver driver(scenario.traffic);  // validates; throws Error(usage)
//   driver.start(stdin_write_fd);                  // right after spawning the target
//   ... at every sample tick, with t = seconds since start():
//       row.phase = driver.phase_at(t); row.scenario_t = driver.scenario_time_at(t);
//   nlohmann::json figures = driver.stop();        // at the end; report.json "traffic"
//
// phase_at / scenario_time_at are pure functions of the schedule and t (thread-safe,
// callable before start); for a replayed trace, phase_at is the phase of the record
// sent last ("replay" before the first, or when the trace has no phases). stop() is idempotent and closes the
// transport, so a target reading stdin sees EOF.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "load/clock.h"
#include "load/dispatcher.h"
#include "load/payload.h"
#include "load/cycles.h"
#include "load/schedule.h"
#include "load/trace.h"

namespace memgate::load {

struct TransportSpec {
  enum class Kind { stdin_pipe, unix_socket, tcp, command };
  Kind kind = Kind::stdin_pipe;
  std::string path;                // unix socket path
  std::string host = "127.0.0.1";  // tcp
  int port = 0;
  double connect_timeout_s = 10;  // how long the target may take to start listening
  // command: an external load generator ("bring your own load"), run while the phase
  // is one of `phases` (empty: for the whole schedule), SIGTERM'd otherwise.
  std::vector<std::string> argv;
  std::vector<std::string> env_set;
  std::vector<std::string> phases;
  double stop_grace_s = 5;
};
std::string_view to_string(TransportSpec::Kind kind);

struct PayloadSpec {
  enum class Kind { sensors, od_pairs, trace, none };
  Kind kind = Kind::sensors;
  SensorOptions sensors;
  OdPairOptions od_pairs;
  std::string trace_path;
  ReplayOptions replay;
};
std::string_view to_string(PayloadSpec::Kind kind);

struct TrafficConfig {
  TransportSpec transport;
  PayloadSpec payload;
  std::vector<Stage> stages;  // may be empty only for a trace or a command
  std::vector<Burst> bursts;
  // Run `stages` as this many identical cycles, each followed by a drain and a quiet time
  // (load/cycles.h). The input stays open to the schedule's end, so the last quiet phase
  // is measured before the target sees end of input.
  CycleSpec cycles;
  double time_scale = 1;  // scenario seconds per wall second
  LatePolicy late_policy = LatePolicy::queue;
  double max_lag_s = 0;  // 0: the policy's default
  // The highest record rate this machine is known to deliver (see docs/traffic.md);
  // schedules needing more are refused up front.
  double max_rate = 1'000'000;
};

// Throws Error(usage) naming the rate a schedule would need when it exceeds max_rate.
void check_deliverable(const TrafficConfig& config, const Schedule& schedule);

class TrafficDriver {
 public:
  explicit TrafficDriver(TrafficConfig config, std::unique_ptr<Clock> clock = nullptr);
  ~TrafficDriver();
  TrafficDriver(const TrafficDriver&) = delete;
  TrafficDriver& operator=(const TrafficDriver&) = delete;

  // target_stdin_fd: the write end of the target's stdin pipe, owned by the driver
  // from now on (required for the stdin transport, else pass -1).
  void start(int target_stdin_fd = -1);
  // t: wall seconds since start().
  std::string phase_at(double t_s) const;
  // The scheduled phases that begin in (from_s, to_s] of wall time, each with its wall
  // start; none for a trace replay (its phase is the record last sent).
  std::vector<PhaseStart> phases_begun(double from_s, double to_s) const;
  double scenario_time_at(double t_s) const { return t_s * config_.time_scale; }
  // Wall seconds the schedule lasts (nullopt: a trace without stages runs until stopped).
  std::optional<double> duration_s() const;
  // True once the schedule or trace is over (or the sender failed).
  bool finished() const { return finished_.load(); }
  // Records sent, accepted and dropped so far, and the last one's lag: safe to call
  // from the sampling thread while the sender runs.
  struct Live {
    std::uint64_t sent = 0, accepted = 0, dropped = 0;
    std::optional<double> lag_s;
  };
  Live live() const;
  // True once the sender failed (could not connect...): the traffic check will FAIL.
  bool failed() const { return failed_.load(); }
  // True when memgate's own sender delivers the records (not an external command).
  bool counts_records() const { return config_.transport.kind != TransportSpec::Kind::command; }
  // Stops and joins the sender; returns the figures for report.json. When the sender
  // failed (e.g. could not connect), the object has "error" and "error_exit_code".
  nlohmann::json stop();

 private:
  // An inconclusive "traffic" check when memgate's sender offered no record (nullopt
  // otherwise): a run without load must not pass as a run under load.
  std::optional<nlohmann::json> nothing_offered_check(const nlohmann::json& figures) const;
  void run_sender(int fd);
  void post_first_trace_phase();
  void run_command();
  TrafficConfig config_;
  std::unique_ptr<Clock> clock_;
  std::optional<Schedule> schedule_;
  LiveCounts live_;
  SentPhase sent_phase_;  // trace replay: the sender posts, phase_at reads
  std::int64_t anchor_ns_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<bool> finished_{false};
  std::atomic<bool> failed_{false};  // set before finished_
  std::thread thread_;
  bool started_ = false;
  bool hold_to_end_ = false;  // cycles: keep the input open until the schedule's end
  std::optional<nlohmann::json> result_;
  nlohmann::json figures_;  // written by the thread, read after join
};

}  // namespace memgate::load
