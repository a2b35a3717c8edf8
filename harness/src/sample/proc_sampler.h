// Samples the target's whole process tree from /proc: per-process figures and tree
// totals. The tree is rediscovered at most every `discovery_interval_s` (walking the
// children files of every thread is the costliest part of a sample at 1 kHz).
#pragma once

#include <sys/types.h>

#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "memgate/sample.h"

namespace memgate::sample {

class ProcSampler {
 public:
  explicit ProcSampler(pid_t root, double discovery_interval_s = 0.1)
      : ProcSampler(std::vector<pid_t>{root}, discovery_interval_s) {}
  // Several roots (`memgate run --pid A,B`): their trees, each process counted once.
  explicit ProcSampler(std::vector<pid_t> roots, double discovery_interval_s = 0.1);

  // A root that ended (an attached process): its pid may be reused by a stranger.
  void drop_root(pid_t root);

  // One sample of the tree at t_s. With with_pss, PSS is read from smaps_rollup for
  // every process and summed (shared pages counted once); otherwise it stays empty.
  // `processes` receives one entry per live process (cleared first).
  TreeSample sample(double t_s, bool with_pss, std::vector<ProcessSample>& processes);

  // Pids ever seen in the tree, for the report.
  std::size_t processes_seen() const { return processes_seen_; }

  // Also follow the children of `adopter` (memgate, a subreaper) other than `ignore`
  // (its watchdog): descendants that setsid() or setpgid() and whose parent exited are
  // re-parented to memgate, out of the root's subtree, and are still the target's doing.
  void follow_adopted(pid_t adopter, pid_t ignore) {
    adopter_ = adopter;
    ignore_ = ignore;
  }

  struct NewProcess {
    pid_t pid;
    std::uint64_t start_ticks;
  };
  struct SignalExit {
    pid_t pid;
    std::string comm;
    int signal;
  };
  // Processes first seen since the last call (not the root).
  std::vector<NewProcess> take_new_processes() { return std::exchange(new_, {}); }
  // Descendants (not the root) seen as zombies killed by a signal since the last call:
  // a crash their parent may reap before anyone else notices.
  std::vector<SignalExit> take_signal_exits() { return std::exchange(exits_, {}); }

 private:
  void discover();
  bool is_root(pid_t pid) const;
  bool sample_one(pid_t pid, bool with_pss, ProcessSample& out);

  std::vector<pid_t> roots_;
  double discovery_interval_s_;
  double last_discovery_s_ = -1e300;
  std::vector<pid_t> tree_;                               // live pids, root first
  std::string buf_;                                       // reused for every /proc read
  bool children_files_;                                   // CONFIG_PROC_CHILDREN, else scan /proc
  std::unordered_map<pid_t, std::uint64_t> start_ticks_;  // live pid -> start time
  std::size_t processes_seen_ = 0;
  pid_t adopter_ = 0, ignore_ = 0;
  std::vector<NewProcess> new_;
  std::vector<SignalExit> exits_;
  std::unordered_map<pid_t, std::uint64_t> zombies_reported_;  // pid -> start time
};

}  // namespace memgate::sample
