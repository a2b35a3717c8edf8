#include "sample/descriptor_sampler.h"

#include <algorithm>

#include "sys/fd_snapshot.h"
#include "sys/proc_files.h"

namespace memgate::sample {

namespace {

constexpr double kRefreshS = 2;
constexpr std::size_t kTopProcesses = 3;

nlohmann::json limit_json(const std::optional<std::uint64_t>& v) { return v ? nlohmann::json(*v) : nullptr; }

}  // namespace

double next_fd_snapshot_s(double last_written_s) {
  if (last_written_s < 0) return 1;
  const double step = last_written_s < 20 ? 2 : last_written_s < 600 ? 10 : 60;
  return last_written_s + step;
}

void DescriptorSampler::start(pid_t root_pid, EventSink&) { roots_ = {root_pid}; }

void DescriptorSampler::start_roots(const std::vector<pid_t>& roots, EventSink&) { roots_ = roots; }

DescriptorSampler::Snapshot DescriptorSampler::take(double t_s) const {
  // Every root's tree, each process once (an attached pid may be another's descendant).
  std::vector<pid_t> pids;
  for (const pid_t root : roots_) {
    pids.push_back(root);
    for (const auto& p : sys::live_descendants(root, 0)) pids.push_back(p.pid);
  }
  std::sort(pids.begin(), pids.end());
  pids.erase(std::unique(pids.begin(), pids.end()), pids.end());
  analyze::FdGroups groups;
  std::vector<std::pair<std::size_t, pid_t>> per_process;
  std::vector<analyze::FdEntry> entries;
  for (const pid_t pid : pids) {
    const auto links = sys::read_fd_links(pid);
    if (links.empty()) continue;
    entries.clear();
    for (const auto& l : links) entries.push_back({l.link, l.flags});
    analyze::merge_groups(groups, analyze::group_descriptors(entries));
    per_process.emplace_back(links.size(), pid);
  }
  std::sort(per_process.rbegin(), per_process.rend());
  nlohmann::json processes = nlohmann::json::array();
  std::size_t total = 0;
  for (const auto& [n, pid] : per_process) total += n;
  for (std::size_t i = 0; i < std::min(per_process.size(), kTopProcesses); ++i) {
    const auto limit = sys::read_nofile_limit(per_process[i].second);
    processes.push_back({{"pid", per_process[i].second},
                         {"fds", per_process[i].first},
                         {"nofile_soft", limit ? limit_json(limit->soft) : nullptr}});
  }
  return {t_s, {{"fds", total}, {"groups", analyze::groups_to_json(groups)}, {"processes", processes}}};
}

void DescriptorSampler::write(const Snapshot& s, const char* point, EventSink& events, std::string_view phase) {
  nlohmann::json fields = s.fields;
  fields["point"] = point;
  if (!phase.empty()) fields["phase"] = std::string(phase);
  events.event(s.t_s, "fd-snapshot", std::move(fields));
  last_written_s_ = s.t_s;
  ++written_;
}

void DescriptorSampler::tick(double t_s, std::span<double>, EventSink& events) {
  if (t_s - last_taken_s_ < kRefreshS && t_s < next_fd_snapshot_s(last_written_s_)) return;
  last_taken_s_ = t_s;
  Snapshot s = take(t_s);
  if (s.fields["processes"].empty()) return;  // the tree is gone: keep its last descriptors
  latest_ = std::move(s);
  for (auto root = roots_.begin(); limit_.is_null() && root != roots_.end(); ++root)
    if (const auto limit = sys::read_nofile_limit(*root))
      limit_ = {{"soft", limit_json(limit->soft)}, {"hard", limit_json(limit->hard)}};
  if (t_s >= next_fd_snapshot_s(last_written_s_)) write(*latest_, "periodic", events);
}

void DescriptorSampler::on_phase(double t_s, std::string_view, std::string_view to, EventSink& events) {
  Snapshot s = take(t_s);
  if (s.fields["processes"].empty()) return;
  latest_ = std::move(s);
  last_taken_s_ = t_s;
  write(*latest_, "phase", events, to);
}

SamplerReport DescriptorSampler::stop(double, EventSink& events) {
  // The target is gone: its last descriptors are those of the latest snapshot.
  if (latest_ && latest_->t_s > last_written_s_) write(*latest_, "end", events);
  SamplerReport r;
  r.figures = {{"snapshots", written_}, {"nofile", limit_}};
  return r;
}

}  // namespace memgate::sample
