#include "run/stop_policy.h"

#include <csignal>

#include "memgate/units.h"
#include "record/run_meta.h"

namespace memgate::run {

void StopPolicy::terminate(int sig, const char* reason, double now_s, StopActions& out) {
  state_ = State::terminating;
  end_reason_ = reason;
  kill_at_ = now_s + settings_.grace_s;
  kill_reason_ = "the target ignored " + std::string(sig == SIGINT ? "SIGINT" : "SIGTERM") + " for " +
                 format_duration(settings_.grace_s);
  out.terminate_signal = sig;
}

StopActions StopPolicy::step(const StopInputs& in) {
  StopActions out;
  if (in.interrupt_signal != 0) {
    if (!stopping()) {
      terminate(in.interrupt_signal, record::kEndInterrupted, in.now_s, out);
    } else if (state_ == State::terminating) {
      kill_at_ = in.now_s;  // a second Ctrl-C means now
      kill_reason_ = "memgate was interrupted a second time";
    }
  }
  if (in.log_failed && !stopping()) terminate(SIGTERM, record::kEndIoError, in.now_s, out);
  if (in.abort_reason != nullptr && !stopping()) terminate(SIGTERM, in.abort_reason, in.now_s, out);
  if (in.decided && !stopping()) terminate(SIGTERM, record::kEndDecided, in.now_s, out);
  const bool duration_over = settings_.duration_s && in.now_s >= *settings_.duration_s;
  if (duration_over && !settings_.has_traffic && !stopping()) terminate(SIGTERM, record::kEndDuration, in.now_s, out);
  // With traffic, --duration is how long load is sent; when the load is over (schedule
  // done, duration reached, or interrupted), the target gets drain_s to finish on its
  // own (a stdin reader sees EOF) before it is stopped.
  if (settings_.has_traffic && traffic_done_at_ < 0 && (in.traffic_finished || stopping() || duration_over)) {
    out.end_traffic = true;
    traffic_done_at_ = in.now_s;
    if (state_ == State::running) state_ = State::draining;
  }
  if (state_ == State::draining && in.now_s >= traffic_done_at_ + settings_.drain_s)
    terminate(SIGTERM, record::kEndTrafficDone, in.now_s, out);
  if (state_ == State::terminating && in.now_s >= kill_at_) {
    state_ = State::killing;
    out.kill = true;
    out.kill_reason = kill_reason_;
  }
  return out;
}

}  // namespace memgate::run
