// memgate replay: send a trace file (memgate's or one a user recorded) on its own
// timestamps to stdout, a unix socket or a TCP port; prints the traffic figures.
#include <chrono>
#include <cstdio>
#include <memory>
#include <thread>

#include "commands.h"
#include "load/traffic_driver.h"
#include "memgate/error.h"
#include "options.h"
#include "record/json_file.h"
#include "sys/fs.h"
#include "sys/signals.h"

namespace memgate::cli {
namespace {

struct ReplayCliOptions {
  std::string trace;
  load::ReplayOptions replay;
  std::string unix_path;
  int tcp_port = 0;
  std::string late_policy = "queue";
};

int replay(const ReplayCliOptions& o) {
  load::TrafficConfig config;
  config.payload.kind = load::PayloadSpec::Kind::trace;
  config.payload.trace_path = o.trace;
  config.payload.replay = o.replay;
  config.late_policy = load::late_policy_from_string(o.late_policy);
  int fd = -1;
  if (!o.unix_path.empty()) {
    config.transport.kind = load::TransportSpec::Kind::unix_socket;
    config.transport.path = o.unix_path;
  } else if (o.tcp_port > 0) {
    config.transport.kind = load::TransportSpec::Kind::tcp;
    config.transport.port = o.tcp_port;
  } else {
    fd = sys::duplicate_stdout();  // the driver owns and closes its fd
  }
  load::TraceReader(o.trace, o.replay.read);  // a missing file fails here, before anything starts
  load::TrafficDriver driver(config);
  sys::SignalCatcher signals;  // SIGINT/SIGTERM/SIGHUP end the replay; the figures are still printed
  driver.start(fd);
  while (!driver.finished() && signals.take() == 0) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  const auto figures = driver.stop();
  std::fprintf(stderr, "%s\n", record::dump_json(figures).c_str());  // a trace path need not be UTF-8
  if (figures.contains("error")) {
    std::fprintf(stderr, "memgate: error: %s\n", figures["error"].get<std::string>().c_str());
    return figures.value("error_exit_code", static_cast<int>(ExitCode::internal));
  }
  return 0;
}

}  // namespace

void add_replay_command(CLI::App& app, int& exit_code) {
  auto o = std::make_shared<ReplayCliOptions>();
  auto* cmd = app.add_subcommand("replay", "Replay a trace file on its timestamps to stdout, a unix socket or TCP");
  cmd->footer(
      "Examples:\n"
      "  memgate replay sensors.jsonl --multiplier 10 | ./ingest\n"
      "  memgate replay recorded.jsonl --time-field ts --loops 0 --max-gap 5 --tcp 9000\n"
      "The figures (offered, sent, accepted, lag, blocked time) go to stderr as one JSON line.");
  cmd->add_option("trace", o->trace, "Trace file: JSON lines with a time field")->required()->type_name("TRACE.jsonl");
  cmd->add_option("--multiplier", o->replay.multiplier,
                  "Play the trace this many times faster: 10 sends ten times the rate in a tenth of the time")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd->add_option("--loops", o->replay.loops, "Passes over the file (0: until interrupted), timestamps re-based")
      ->capture_default_str();
  cmd->add_option("--reorder-window", o->replay.reorder_window, "Lines held back to restore time order")
      ->capture_default_str();
  auto gap = std::make_shared<std::optional<double>>();
  add_duration_option(*cmd, "--max-gap", *gap, "Shorten longer gaps between records to this (default: no cap)");
  cmd->add_option("--time-field", o->replay.read.time_field, "Field with the send time (seconds or ISO-8601 UTC)")
      ->capture_default_str()
      ->type_name("FIELD");
  cmd->add_option("--line-field", o->replay.read.line_field,
                  "Field holding the record as a string (else the whole line)")
      ->capture_default_str()
      ->type_name("FIELD");
  cmd->add_option("--phase-field", o->replay.read.phase_field,
                  "Field holding the record's phase tag (burst, recovery...)")
      ->capture_default_str()
      ->type_name("FIELD");
  cmd->add_flag("--skip-malformed", o->replay.read.skip_malformed, "Skip and count malformed lines instead of failing");
  cmd->add_option("--late-policy", o->late_policy, "queue, drop or catch_up")
      ->check(CLI::IsMember({"queue", "drop", "catch_up"}))
      ->capture_default_str();
  auto* unix_opt = cmd->add_option("--unix", o->unix_path, "Send to this unix socket")->type_name("PATH");
  cmd->add_option("--tcp", o->tcp_port, "Send to this TCP port on 127.0.0.1")
      ->check(CLI::Range(1, 65535))
      ->excludes(unix_opt);
  cmd->callback([o, gap, &exit_code] {
    if (*gap) o->replay.max_gap_s = **gap;
    exit_code = replay(*o);
  });
}

}  // namespace memgate::cli
