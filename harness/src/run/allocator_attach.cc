#include "run/allocator_attach.h"

#include <filesystem>

#include "memgate/error.h"

namespace memgate::run {

std::string target_program(const RunOptions& options) {
  if (options.command.empty()) return "";
  const std::string& program = options.command.front();
  if (program.find('/') == std::string::npos || program.front() == '/' || options.cwd.empty()) return program;
  return (std::filesystem::path(options.cwd) / program).lexically_normal().string();
}

void attach_allocator(alloc::AllocatorSetup setup, const alloc::PhasePurge& purge_at_phases, RunOptions& options) {
  if (purge_at_phases.enabled() && !options.traffic)
    throw Error(ExitCode::usage,
                "--purge-at-phases needs traffic phases (warmup, burst, recovery...): run a SCENARIO.json with traffic, "
                "or use --purge-every for a plain command");
  options.env_set.insert(options.env_set.end(), setup.env_set.begin(), setup.env_set.end());
  if (!setup.sampler) return;
  if (purge_at_phases.enabled()) {
    // The sampler is owned by options.samplers, which outlives every call of the hook.
    alloc::ProbeSampler* probe = setup.sampler.get();
    options.on_phase_change = [probe](double t_s, const std::string& from, const std::string& to, EventSink& events) {
      probe->on_phase_change(t_s, from, to, events);
    };
  }
  options.samplers.push_back(std::move(setup.sampler));
}

}  // namespace memgate::run
