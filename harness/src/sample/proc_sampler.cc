#include "sample/proc_sampler.h"

#include <algorithm>
#include <cstdio>
#include <unordered_set>

#include <sys/wait.h>

#include "sys/proc_files.h"
#include "sys/proc_parse.h"

namespace memgate::sample {

namespace {
constexpr std::size_t kMaxPending = 4096;  // bounded when nobody takes them
}  // namespace

ProcSampler::ProcSampler(std::vector<pid_t> roots, double discovery_interval_s)
    : roots_(std::move(roots)),
      discovery_interval_s_(discovery_interval_s),
      tree_(roots_),
      children_files_(sys::read_file_into("/proc/thread-self/children", buf_)) {}

bool ProcSampler::is_root(pid_t pid) const { return std::find(roots_.begin(), roots_.end(), pid) != roots_.end(); }

void ProcSampler::drop_root(pid_t root) {
  std::erase(roots_, root);
  std::erase(tree_, root);
}

void ProcSampler::discover() {
  std::vector<pid_t> found = roots_;
  if (adopter_ > 0) {
    if (children_files_) sys::append_children(adopter_, found);
    else sys::append_children_by_scan(adopter_, found);
    // The roots stay once, at the front; the watchdog is memgate's, not the target's.
    found.erase(std::remove_if(found.begin() + static_cast<std::ptrdiff_t>(roots_.size()), found.end(),
                               [this](pid_t pid) { return is_root(pid) || pid == ignore_; }),
                found.end());
  }
  for (std::size_t i = 0; i < found.size(); ++i) {
    if (children_files_) {
      sys::append_children(found[i], found);
    } else {
      sys::append_children_by_scan(found[i], found);
    }
  }
  // A root inside another root's tree is counted once (the first time it was found).
  if (roots_.size() > 1) {
    std::unordered_set<pid_t> seen;
    std::erase_if(found, [&seen](pid_t pid) { return !seen.insert(pid).second; });
  }
  tree_ = std::move(found);
  // Forget start times of processes that left the tree: memory stays bounded by the
  // live tree, however many short-lived processes a long run spawns.
  const auto gone = [this](const auto& entry) {
    return std::find(tree_.begin(), tree_.end(), entry.first) == tree_.end();
  };
  std::erase_if(start_ticks_, gone);
  std::erase_if(zombies_reported_, gone);
}

bool ProcSampler::sample_one(pid_t pid, bool with_pss, ProcessSample& out) {
  char path[64];
  std::snprintf(path, sizeof path, "/proc/%d/stat", pid);
  if (!sys::read_file_into(path, buf_)) return false;
  const auto stat = sys::parse_stat(buf_);
  if (!stat || stat->state == 'X') return false;
  if (stat->state == 'Z') {  // zombies hold no memory, but say how they died
    const int status = stat->exit_code;
    if (!is_root(pid) && WIFSIGNALED(status)) {
      auto [z, fresh] = zombies_reported_.try_emplace(pid, stat->starttime_ticks);
      if ((fresh || z->second != stat->starttime_ticks) && exits_.size() < kMaxPending) {
        z->second = stat->starttime_ticks;
        exits_.push_back({pid, stat->comm, WTERMSIG(status)});
      }
    }
    return false;
  }
  // A new (pid, start time) pair is a process we have not counted yet; a changed
  // start time means the pid was reused.
  auto [it, inserted] = start_ticks_.try_emplace(pid, stat->starttime_ticks);
  if (inserted || it->second != stat->starttime_ticks) {
    it->second = stat->starttime_ticks;
    ++processes_seen_;
    if (!is_root(pid) && new_.size() < kMaxPending) new_.push_back({pid, stat->starttime_ticks});
  }

  std::snprintf(path, sizeof path, "/proc/%d/status", pid);
  if (!sys::read_file_into(path, buf_)) return false;
  const auto status = sys::parse_status(buf_);
  if (!status.has_rss) return false;  // exiting (mm already released) or a kernel thread

  const double ticks = sys::clock_ticks_per_second();
  out.pid = pid;
  out.ppid = stat->ppid;
  out.comm = stat->comm;
  out.rss_bytes = status.rss_bytes;
  out.rss_anon_bytes = status.rss_anon_bytes;
  out.rss_file_bytes = status.rss_file_bytes;
  out.rss_shmem_bytes = status.rss_shmem_bytes;
  out.hwm_bytes = status.hwm_bytes;
  out.swap_bytes = status.swap_bytes;
  out.threads = status.threads ? status.threads : stat->num_threads;
  out.minor_faults = stat->minflt + stat->cminflt;
  out.major_faults = stat->majflt + stat->cmajflt;
  out.cpu_seconds =
      static_cast<double>(stat->utime_ticks + stat->stime_ticks + stat->cutime_ticks + stat->cstime_ticks) / ticks;
  out.fds = sys::count_fds(pid).value_or(0);
  out.pss_bytes.reset();
  if (with_pss) {
    std::snprintf(path, sizeof path, "/proc/%d/smaps_rollup", pid);
    if (sys::read_file_into(path, buf_)) out.pss_bytes = sys::parse_smaps_rollup(buf_).pss_bytes;
  }
  return true;
}

TreeSample ProcSampler::sample(double t_s, bool with_pss, std::vector<ProcessSample>& processes) {
  if (t_s - last_discovery_s_ >= discovery_interval_s_) {
    discover();
    last_discovery_s_ = t_s;
  }
  processes.resize(tree_.size());
  std::size_t live = 0;
  TreeSample tree;
  tree.t_s = t_s;
  if (with_pss) tree.pss_bytes = 0;
  for (const pid_t pid : tree_) {
    ProcessSample& p = processes[live];
    if (!sample_one(pid, with_pss, p)) continue;
    ++live;
    tree.rss_bytes += p.rss_bytes;
    tree.rss_anon_bytes += p.rss_anon_bytes;
    tree.rss_file_bytes += p.rss_file_bytes;
    tree.rss_shmem_bytes += p.rss_shmem_bytes;
    tree.hwm_max_bytes = std::max(tree.hwm_max_bytes, p.hwm_bytes);
    tree.swap_bytes += p.swap_bytes;
    if (with_pss) *tree.pss_bytes += p.pss_bytes.value_or(0);
    tree.fds += p.fds;
    tree.threads += p.threads;
    tree.minor_faults += p.minor_faults;
    tree.major_faults += p.major_faults;
    tree.cpu_seconds += p.cpu_seconds;
  }
  processes.resize(live);
  tree.processes = static_cast<std::uint32_t>(live);
  return tree;
}

}  // namespace memgate::sample
