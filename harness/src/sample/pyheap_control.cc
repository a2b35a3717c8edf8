#include "sample/pyheap_control.h"

#include <cctype>

#include "sys/fs.h"

namespace memgate::sample {

namespace {

bool python_name(std::string_view name) {
  if (name.substr(0, 6) != "python") return false;
  std::string_view rest = name.substr(6);  // "", "3", "3.11", "3.11d", "3-dbg"
  if (rest.size() >= 4 && rest.substr(rest.size() - 4) == "-dbg") rest.remove_suffix(4);
  for (const char c : rest)
    if (!std::isdigit(static_cast<unsigned char>(c)) && c != '.' && c != 'd' && c != 'm' && c != 'u') return false;
  return rest.empty() || std::isdigit(static_cast<unsigned char>(rest.front()));
}

std::string_view basename(std::string_view path) {
  const auto slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

}  // namespace

bool is_python_program(std::string_view program_path, std::string_view head) {
  if (python_name(basename(program_path))) return true;
  if (head.substr(0, 2) != "#!") return false;
  std::string_view line = head.substr(2, head.find('\n') == std::string_view::npos ? head.size() : head.find('\n') - 2);
  // "#!/usr/bin/python3 -u", "#!/usr/bin/env python3", "#!/usr/bin/env -S python3 -X dev"
  std::size_t start = 0;
  while (start < line.size()) {
    while (start < line.size() && (line[start] == ' ' || line[start] == '\t')) ++start;
    std::size_t end = start;
    while (end < line.size() && line[end] != ' ' && line[end] != '\t' && line[end] != '\r') ++end;
    const std::string_view word = line.substr(start, end - start);
    if (python_name(basename(word))) return true;
    if (basename(word) != "env" && word != "-S" && !word.empty()) return false;  // another interpreter
    start = end;
  }
  return false;
}

std::string pythonpath_with_hook(const std::string& hook_dir, const std::string& existing) {
  return existing.empty() ? hook_dir : hook_dir + ":" + existing;
}

void PyHeapControl::request(double t_s, const std::string& label, EventSink& events) {
  ++seq_;
  sys::write_text_file(path_, std::to_string(seq_) + " " + label + "\n");
  events.event(t_s, "py-heap-request", {{"seq", std::to_string(seq_)}, {"label", label}});
}

void PyHeapControl::start(pid_t, EventSink&) {}

// The periodic snapshots are the hook's own (harness/pyhook/sitecustomize.py): a request
// written here is answered only when the hook's thread next runs, seconds late on a loaded
// machine, while the hook's cadence does not wait for memgate.
void PyHeapControl::tick(double, std::span<double>, EventSink&) {}

void PyHeapControl::on_phase(double t_s, std::string_view, std::string_view to, EventSink& events) {
  request(t_s, "phase:" + std::string(to), events);
}

SamplerReport PyHeapControl::stop(double, EventSink&) {
  SamplerReport r;
  r.figures = {{"requests", seq_}, {"control", path_}};
  return r;
}

}  // namespace memgate::sample
