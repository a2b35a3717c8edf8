#include "compare/workload.h"


#include "memgate/error.h"

namespace memgate::compare {

namespace {

// A shell-safe rendering of argv for compare.json / compare.md.
std::string quoted(const std::vector<std::string>& argv) {
  std::string text;
  for (const auto& arg : argv) {
    if (!text.empty()) text += ' ';
    const bool plain = !arg.empty() && arg.find_first_of(" \t'\"$\\;&|<>()*?") == std::string::npos;
    if (plain) {
      text += arg;
    } else {
      text += '\'';
      for (char c : arg) text += c == '\'' ? std::string("'\\''") : std::string(1, c);
      text += '\'';
    }
  }
  return text;
}

}  // namespace

run::RunOptions base_run_options(const RunSettings& settings, const std::string& out_dir) {
  run::RunOptions o;
  o.command = settings.command;
  o.env_set = settings.env_set;
  o.out_dir = out_dir;
  o.hz = settings.hz;
  o.pss_hz = settings.pss_hz;
  o.process_hz = settings.process_hz;
  o.duration_s = settings.duration_s;
  o.stop_grace_s = settings.stop_grace_s;
  o.checks = settings.checks;
  o.quiet = true;   // compare prints one line per run instead
  o.plot = false;   // the comparison charts replace per-run timelines
  // Each run's output is kept with its run, not interleaved with the comparison's lines.
  o.target_log = out_dir + "/target.log";
  return o;
}

CommandWorkload::CommandWorkload(RunSettings settings) : settings_(std::move(settings)) {
  if (settings_.command.empty())
    throw Error(ExitCode::usage, "no command to compare: put it after --, e.g. memgate compare --allocators glibc,jemalloc -- ./server");
}

std::string CommandWorkload::describe() const { return quoted(settings_.command); }

run::RunOptions CommandWorkload::run_options(const std::string& out_dir) const { return base_run_options(settings_, out_dir); }

ScenarioWorkload::ScenarioWorkload(scenario::Scenario scenario, RunSettings settings, run::FlagOverrides overrides)
    : scenario_(std::move(scenario)), settings_(std::move(settings)), overrides_(std::move(overrides)) {
  // The same validation `memgate run` does (checks, sampling) before the first run.
  (void)run_options("");
}

std::string ScenarioWorkload::describe() const {
  return "scenario " + scenario_.file + " (" + scenario_.name + "): " + quoted(scenario_.target.command);
}

run::RunOptions ScenarioWorkload::run_options(const std::string& out_dir) const {
  run::RunOptions o = base_run_options(settings_, out_dir);
  run::apply_scenario(scenario_, overrides_, o);
  return o;
}

std::vector<std::string> ScenarioWorkload::notes() const {
  if (scenario_.target.allocator.empty()) return {};
  return {scenario_.file + " names allocator " + scenario_.target.allocator +
          "; each variant replaces it with its own (--allocators / --variant)"};
}

}  // namespace memgate::compare
