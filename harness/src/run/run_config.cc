#include "run/run_config.h"

#include <filesystem>
#include <utility>

#include "memgate/error.h"
#include "report/baseline_runs.h"
#include "report/checks/baseline.h"
#include "run/live_export.h"
#include "report/checks/plateau.h"
#include "run/sampler_factory.h"

namespace memgate::run {

std::string target_program(const RunConfig& config) {
  if (config.command.empty()) return "";
  const std::string& program = config.command.front();
  if (program.find('/') == std::string::npos || program.front() == '/' || config.cwd.empty()) return program;
  return (std::filesystem::path(config.cwd) / program).lexically_normal().string();
}

namespace {

// --pid watches a process memgate did not start: what needs a target of memgate's making
// is refused by name.
void validate_attach(const RunConfig& c) {
  if (!c.command.empty())
    throw Error(ExitCode::usage,
                "--pid watches a process that is already running: give --pid or a command (after --) or a "
                "SCENARIO.json, not both");
  for (const int pid : c.attach_pids)
    if (pid <= 0) throw Error(ExitCode::usage, "--pid " + std::to_string(pid) + ": a pid is a positive number");
  const auto refuse = [](const std::string& flags, const std::string& why) {
    throw Error(ExitCode::usage, flags + " with --pid: " + why);
  };
  const auto& s = c.samplers;
  std::string in_target;  // the flags that load something into the target as it starts
  for (const auto& [given, flag] : {std::pair{!s.allocator.empty(), "--allocator"},
                                    {!s.alloc_env.empty(), "--alloc-env"},
                                    {s.purge_every_s > 0, "--purge-every"},
                                    {s.purge_at_phases.enabled(), "--purge-at-phases/--cycle-purge"},
                                    {s.attribute, "--attribute"}})
    if (given) in_target += (in_target.empty() ? "" : ", ") + std::string(flag);
  if (!in_target.empty())
    refuse(in_target, "they load into the target when memgate starts it; an attached process is already running");
  if (s.memory_limits.any())
    refuse("--memory-max, --memory-high and --swap-max",
           "memgate never moves a running process into a cgroup; set the limit on the service itself");
  if (!s.metric_fields.empty())
    refuse("--metrics", "the metrics channel is a FIFO memgate names in the environment of a target it starts");
  if (!c.target_log.empty()) refuse("--target-log", "an attached process's output is not memgate's to redirect");
  if (c.traffic) refuse("traffic", "the load needs a target memgate starts (a scenario run)");
}

}  // namespace

std::vector<std::string> validate(const RunConfig& c) {
  if (!c.attach_pids.empty()) validate_attach(c);
  else if (c.command.empty())
    throw Error(ExitCode::usage,
                "no command to run: put it after --, e.g. memgate run -- ./server, or watch a running process "
                "with --pid PID");
  if (!(c.hz > 0 && c.hz <= 1000)) throw Error(ExitCode::usage, "--hz must be in (0, 1000]");
  if (c.pss_hz < 0 || c.pss_hz > c.hz) throw Error(ExitCode::usage, "--pss-hz must be between 0 and --hz");
  if (c.process_hz < 0 || c.process_hz > c.hz) throw Error(ExitCode::usage, "--process-hz must be between 0 and --hz");
  if (c.duration_s && !(*c.duration_s > 0)) throw Error(ExitCode::usage, "--duration must be positive");
  if (c.until_decided && !c.max_duration_s)
    throw Error(ExitCode::usage,
                "--until-decided needs --max-duration, the longest the run may last (e.g. --max-duration 24h)");
  if (!c.until_decided && c.max_duration_s)
    throw Error(ExitCode::usage,
                "--max-duration is the longest run of --until-decided: add --until-decided, or use --duration for a "
                "fixed length");
  if (c.max_duration_s && !(*c.max_duration_s > 0)) throw Error(ExitCode::usage, "--max-duration must be positive");
  if (c.until_decided && c.checks.get(report::checks::kPlateau).empty())
    throw Error(ExitCode::usage,
                "--until-decided decides the plateau checks, and --plateau none leaves none: name the series "
                "(--plateau rss,fds)");
  if (c.report_every_s && !(*c.report_every_s >= 0))
    throw Error(ExitCode::usage, "--report-every must not be negative");
  if (!(c.stop_grace_s >= 0)) throw Error(ExitCode::usage, "--grace must not be negative");
  if (c.abort_on != "none" && c.abort_on != "budget" && c.abort_on != "fail")
    throw Error(ExitCode::usage, "--abort-on takes none, budget or fail, not '" + c.abort_on + "'");
  // A baseline that cannot be read is refused before the run, not after it.
  if (const auto& baseline = c.checks.get(report::checks::kBaseline); !baseline.empty())
    report::baseline_run_dirs(baseline);
  if (c.samplers.purge_every_s < 0) throw Error(ExitCode::usage, "--purge-every must be positive (e.g. 30s)");
  validate(c.exports);
  return check_samplers(c);
}

}  // namespace memgate::run
