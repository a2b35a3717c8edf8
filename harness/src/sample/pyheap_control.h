// --attribute on a CPython target: the target gets the startup hook of harness/pyhook/
// (PYTHONPATH) and the path of a control file; memgate writes "SEQ LABEL" into that file
// at every phase change; the hook takes those snapshots and its own periodic ones, and
// answers on the metrics channel, and the
// metrics sampler writes the answers to events.jsonl as "py-heap" events
// (docs/attribution-python.md).
#pragma once

#include <string>
#include <string_view>

#include "memgate/sampler.h"

namespace memgate::sample {

inline constexpr const char* kPyHeapControlEnv = "MEMGATE_PYHEAP_CONTROL";

// A CPython interpreter by name ("python", "python3", "python3.11", "python3-dbg") or a
// script whose first line is a shebang naming one ("#!/usr/bin/env python3"). Pure:
// `head` is the start of the program file (empty when unreadable).
bool is_python_program(std::string_view program_path, std::string_view head);

// PYTHONPATH for the target: the hook directory first, then what it had.
std::string pythonpath_with_hook(const std::string& hook_dir, const std::string& existing);

class PyHeapControl : public Sampler {
 public:
  explicit PyHeapControl(std::string control_path) : path_(std::move(control_path)) {}
  std::string name() const override { return "pyheap"; }
  std::vector<std::string> columns() const override { return {}; }
  void start(pid_t root_pid, EventSink& events) override;
  void tick(double t_s, std::span<double> out, EventSink& events) override;
  void on_phase(double t_s, std::string_view from, std::string_view to, EventSink& events) override;
  SamplerReport stop(double t_s, EventSink& events) override;

 private:
  void request(double t_s, const std::string& label, EventSink& events);
  std::string path_;
  std::size_t seq_ = 0;
};

}  // namespace memgate::sample
