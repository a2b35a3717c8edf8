#include "compare/workload.h"

#include "memgate/error.h"
#include "scenario/sizes.h"

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

run::RunConfig compare_run_config(const run::RunConfig& base, const std::string& out_dir) {
  run::RunConfig c = base;
  c.out_dir = out_dir;
  c.quiet = true;  // compare prints one line per run instead
  c.outputs = {};  // one comparison, not one CI gate per run
  c.json = false;
  // Each run's output is kept with its run, not interleaved with the comparison's lines.
  c.target_log = out_dir + "/target.log";
  return c;
}

run::RunConfig Workload::run_config_at_size(const std::string&, double) const {
  throw Error(ExitCode::usage, "this workload cannot run at a size: " + describe());
}

bool CommandWorkload::has_size_placeholder() const {
  for (const auto& arg : base_.command)
    if (arg.find(scenario::kSizePlaceholder) != std::string::npos) return true;
  return false;
}

run::RunConfig CommandWorkload::run_config_at_size(const std::string& out_dir, double size) const {
  run::RunConfig c = compare_run_config(base_, out_dir);
  const std::string placeholder = scenario::kSizePlaceholder, text = scenario::size_text(size);
  for (auto& arg : c.command)
    for (auto at = arg.find(placeholder); at != std::string::npos; at = arg.find(placeholder, at + text.size()))
      arg.replace(at, placeholder.size(), text);
  return c;
}

CommandWorkload::CommandWorkload(run::RunConfig base) : base_(std::move(base)) {
  if (base_.command.empty())
    throw Error(ExitCode::usage,
                "no command to compare: put it after --, e.g. memgate compare --allocators glibc,jemalloc -- ./server");
}

std::string CommandWorkload::describe() const { return quoted(base_.command); }

run::RunConfig CommandWorkload::run_config(const std::string& out_dir) const {
  return compare_run_config(base_, out_dir);
}

ScenarioWorkload::ScenarioWorkload(scenario::Scenario scenario, run::RunConfig base, run::FlagOverrides overrides)
    : scenario_(std::move(scenario)), base_(std::move(base)) {
  // Checks and sampling are validated here, before the first run.
  run::apply_scenario(scenario_, overrides, base_);
}

std::string ScenarioWorkload::describe() const {
  return "scenario " + scenario_.file + " (" + scenario_.name + "): " + quoted(scenario_.target.command);
}

run::RunConfig ScenarioWorkload::run_config(const std::string& out_dir) const {
  return compare_run_config(base_, out_dir);
}

std::vector<std::string> ScenarioWorkload::notes() const {
  if (scenario_.target.allocator.empty()) return {};
  return {scenario_.file + " names allocator " + scenario_.target.allocator +
          "; each variant replaces it with its own (--allocators / --variant)"};
}

SizedScenarioWorkload::SizedScenarioWorkload(const std::string& path, scenario::Overrides overrides,
                                             const run::RunConfig& base, const run::FlagOverrides& flags,
                                             const std::vector<double>& sizes) {
  if (sizes.empty()) throw Error(ExitCode::usage, path + ": no sizes to run (--sizes 10k,30k,100k)");
  for (double size : sizes) {
    overrides.size = size;
    const auto sc = scenario::load_scenario(path, overrides);
    run::RunConfig c = base;
    run::apply_scenario(sc, flags, c);
    if (describe_.empty()) describe_ = "scenario " + sc.file + " (" + sc.name + "): " + quoted(sc.target.command);
    configs_.emplace_back(size, std::move(c));
  }
}

run::RunConfig SizedScenarioWorkload::run_config(const std::string& out_dir) const {
  return compare_run_config(configs_.front().second, out_dir);
}

run::RunConfig SizedScenarioWorkload::run_config_at_size(const std::string& out_dir, double size) const {
  for (const auto& [s, c] : configs_)
    if (s == size) return compare_run_config(c, out_dir);
  throw Error(ExitCode::internal, "size " + scenario::size_text(size) + " was not prepared");
}

}  // namespace memgate::compare
