#include "compare/workload.h"

#include "memgate/error.h"

namespace memgate::compare {

CommandWorkload::CommandWorkload(RunSettings settings) : settings_(std::move(settings)) {
  if (settings_.command.empty())
    throw Error(ExitCode::usage, "no command to compare: put it after --, e.g. memgate compare --allocators glibc,jemalloc -- ./server");
}

std::string CommandWorkload::describe() const {
  std::string text;
  for (const auto& arg : settings_.command) {
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

run::RunOptions CommandWorkload::run_options(const std::string& out_dir) const {
  run::RunOptions o;
  o.command = settings_.command;
  o.env_set = settings_.env_set;
  o.out_dir = out_dir;
  o.hz = settings_.hz;
  o.pss_hz = settings_.pss_hz;
  o.process_hz = settings_.process_hz;
  o.duration_s = settings_.duration_s;
  o.stop_grace_s = settings_.stop_grace_s;
  o.checks = settings_.checks;
  o.quiet = true;   // compare prints one line per run instead
  o.plot = false;   // the comparison charts replace per-run timelines
  return o;
}

}  // namespace memgate::compare
