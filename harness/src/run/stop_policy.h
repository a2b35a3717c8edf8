// When and how a run stops its target, as a small state machine: SIGTERM when
// --duration is over (plain commands), when the load has ended and the target's drain
// time has passed (scenario runs), when memgate is interrupted, or when the sample
// log cannot be written any more (io-error), or when --abort-on saw the run decided FAIL
// (aborted-on-budget, aborted-on-fail), or when --until-decided saw a look decide the
// plateau checks (decided); SIGKILL after the
// grace time, or at once on a second interrupt. Pure: the session tells it what
// happened at each tick and carries out the actions it returns.
#pragma once

#include <optional>
#include <string>

namespace memgate::run {

struct StopSettings {
  std::optional<double> duration_s;  // with traffic: how long load is sent
  bool has_traffic = false;
  double drain_s = 10;  // after the load ends, time the target gets to exit by itself
  double grace_s = 10;  // after SIGTERM, time before SIGKILL
};

struct StopInputs {
  double now_s = 0;
  int interrupt_signal = 0;       // SIGINT/SIGTERM memgate received this tick, or 0
  bool traffic_finished = false;  // the schedule or trace is over (or the sender failed)
  bool log_failed = false;        // the sample log cannot be written (disk full): stop, as for an interrupt
  // --abort-on: the run was decided FAIL this tick (record::kEndAbortedOnBudget or
  // kEndAbortedOnFail): stop now, without the load's drain time. nullptr: not decided.
  const char* abort_reason = nullptr;
  // --until-decided: a planned look decided the plateau checks this tick: stop now
  // (record::kEndDecided), without the load's drain time.
  bool decided = false;
};

struct StopActions {
  bool end_traffic = false;  // stop sending load now
  int terminate_signal = 0;  // send this to the target's group (SIGTERM, or the interrupt's signal)
  bool kill = false;         // send SIGKILL to the target's group
  std::string kill_reason;   // why, for events.jsonl
};

class StopPolicy {
 public:
  explicit StopPolicy(StopSettings settings) : settings_(std::move(settings)) {}

  StopActions step(const StopInputs& in);

  bool stopping() const { return state_ == State::terminating || state_ == State::killing; }
  // meta.json end_reason when memgate ended the run (record::kEnd*); empty otherwise.
  const std::string& end_reason() const { return end_reason_; }

 private:
  enum class State { running, draining, terminating, killing };
  void terminate(int sig, const char* reason, double now_s, StopActions& out);

  StopSettings settings_;
  State state_ = State::running;
  double traffic_done_at_ = -1;  // < 0: the load has not ended
  double kill_at_ = 0;
  std::string end_reason_;
  std::string kill_reason_;
};

}  // namespace memgate::run
