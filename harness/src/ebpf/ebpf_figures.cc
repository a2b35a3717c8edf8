#include "ebpf/ebpf_figures.h"

#include "memgate/check_json.h"
#include "memgate/check_names.h"
#include "memgate/units.h"

#include <algorithm>
#include <cstring>

#include "sys/child.h"

namespace memgate::ebpf {
namespace {

std::string comm_of(const char (&comm)[MEMGATE_COMM_LEN]) {
  return std::string(comm, ::strnlen(comm, MEMGATE_COMM_LEN));
}

bool larger_peak(const ProcessFigures& a, const ProcessFigures& b) {
  return a.peak_bytes != b.peak_bytes ? a.peak_bytes > b.peak_bytes : a.pid < b.pid;
}

}  // namespace

ProcessFigures figures_of(pid_t pid, const memgate_proc& k) {
  ProcessFigures p;
  p.pid = pid;
  p.ppid = static_cast<pid_t>(k.ppid);
  p.comm = comm_of(k.comm);
  p.rss_bytes = k.rss_bytes;
  p.peak_bytes = k.peak_bytes;
  p.maxrss_bytes = k.maxrss_bytes;
  p.page_faults = k.page_faults;
  p.rss_events = k.rss_events;
  p.fault_hook_hits = k.fault_hook_hits;
  p.fds_net = k.fds_net;
  p.fd_opens = k.fd_opens;
  p.fd_closes = k.fd_closes;
  p.mmap_calls = k.mmap_calls;
  p.mmap_bytes = k.mmap_bytes;
  p.munmap_calls = k.munmap_calls;
  p.munmap_bytes = k.munmap_bytes;
  p.brk_calls = k.brk_calls;
  p.brk_bytes = k.brk_bytes;
  p.madvise_calls = k.madvise_calls;
  p.madvise_bytes = k.madvise_bytes;
  p.exited = k.exited != 0;
  p.oom_killed = k.oom_killed != 0;
  p.exit_status = k.exit_code;
  return p;
}

void Totals::add(const ProcessFigures& p) {
  page_faults += p.page_faults;
  rss_events += p.rss_events;
  fault_hook_hits += p.fault_hook_hits;
  fds_net += p.fds_net;
  fd_opens += p.fd_opens;
  fd_closes += p.fd_closes;
  mmap_calls += p.mmap_calls;
  mmap_bytes += p.mmap_bytes;
  munmap_calls += p.munmap_calls;
  munmap_bytes += p.munmap_bytes;
  brk_calls += p.brk_calls;
  brk_bytes += p.brk_bytes;
  madvise_calls += p.madvise_calls;
  madvise_bytes += p.madvise_bytes;
}

void ProcessTable::update_live(const ProcessFigures& p) {
  if (live_.insert_or_assign(p.pid, p).second) ++seen_;
}

void ProcessTable::finish(const ProcessFigures& p) {
  if (live_.erase(p.pid) == 0) ++seen_;
  finished_totals_.add(p);
  if (keep_finished_ == 0) return;
  finished_.push_back(p);
  if (finished_.size() > keep_finished_) {
    // Drop the smallest peak: the report lists the largest ones.
    auto smallest = std::max_element(finished_.begin(), finished_.end(), larger_peak);
    finished_.erase(smallest);
  }
}

Totals ProcessTable::totals() const {
  Totals t = finished_totals_;
  for (const auto& [pid, p] : live_) t.add(p);
  return t;
}

std::vector<ProcessFigures> ProcessTable::rows(std::size_t max) const {
  std::vector<ProcessFigures> out(finished_.begin(), finished_.end());
  for (const auto& [pid, p] : live_) out.push_back(p);
  std::sort(out.begin(), out.end(), larger_peak);
  if (out.size() > max) out.resize(max);
  return out;
}

std::optional<ProcessFigures> ProcessTable::find(pid_t pid) const {
  if (auto it = live_.find(pid); it != live_.end()) return it->second;
  for (const auto& p : finished_)
    if (p.pid == pid) return p;
  return std::nullopt;
}

std::optional<EventOut> event_of(const memgate_record& r) {
  nlohmann::json f{{"pid", r.pid}, {"ppid", r.ppid}, {"comm", comm_of(r.comm)}};
  switch (r.kind) {
    case MEMGATE_REC_FORK: f["rss_bytes"] = r.rss_bytes; return EventOut{"process_fork", f};
    case MEMGATE_REC_EXEC:
      f["rss_bytes"] = r.rss_bytes;
      f["peak_bytes_before_exec"] = r.peak_bytes;
      return EventOut{"process_exec", f};
    case MEMGATE_REC_EXIT:
      f["peak_bytes"] = r.peak_bytes;
      f["maxrss_bytes"] = r.maxrss_bytes;
      f["exit"] = sys::decode_wait_status(r.exit_code).describe();
      return EventOut{"process_exit", f};
    case MEMGATE_REC_OOM:
      f["rss_bytes"] = r.rss_bytes;
      f["anon_bytes"] = r.anon_bytes;
      f["file_bytes"] = r.file_bytes;
      f["shmem_bytes"] = r.shmem_bytes;
      f["peak_bytes"] = r.peak_bytes;
      return EventOut{"oom_kill", f};
    default: return std::nullopt;
  }
}

double record_time_s(std::uint64_t ts_ns, double tick_t_s, std::uint64_t tick_mono_ns) {
  const double ago_s = (static_cast<double>(tick_mono_ns) - static_cast<double>(ts_ns)) * 1e-9;
  return tick_t_s - ago_s;
}

nlohmann::json process_json(const ProcessFigures& p, bool syscalls, bool fault_hook) {
  nlohmann::json j{{"pid", p.pid},
                   {"ppid", p.ppid},
                   {"comm", p.comm},
                   {"peak_bytes", p.peak_bytes},
                   {"rss_bytes", p.rss_bytes},
                   {"page_faults", p.page_faults},
                   {"rss_events", p.rss_events},
                   {"exited", p.exited},
                   {"oom_killed", p.oom_killed}};
  if (p.exited) {
    j["maxrss_bytes"] = p.maxrss_bytes;
    j["exit"] = sys::decode_wait_status(p.exit_status).describe();
  }
  if (fault_hook) j["fault_hook_hits"] = p.fault_hook_hits;
  if (syscalls) {
    j["fds_net"] = p.fds_net;
    j["mmap_bytes"] = p.mmap_bytes;
    j["munmap_bytes"] = p.munmap_bytes;
    j["brk_bytes"] = p.brk_bytes;
  }
  return j;
}

CheckResult oom_check(const std::vector<OomVictim>& victims) {
  CheckResult c;
  c.id = check_id::kOomKills;
  c.figures = {{"oom_kills", static_cast<double>(victims.size()), "count"}};
  if (victims.empty()) {
    c.outcome = Outcome::pass;
    c.summary = "the kernel OOM-killed no process of the target";
    return c;
  }
  const auto& v = victims.front();
  c.outcome = Outcome::fail;
  c.figures.push_back({"first_victim_rss", static_cast<double>(v.rss_bytes), "bytes"});
  c.summary = "the kernel OOM-killed " + std::to_string(victims.size()) + " process(es) of the target, first " +
              v.comm + " (pid " + std::to_string(v.pid) + ") holding " +
              format_bytes(static_cast<double>(v.rss_bytes)) + " at t=" + format_duration(v.t_s) +
              ": raise the memory limit or find what grew before it";
  return c;
}

nlohmann::json build_report(const ReportInput& in, const ProcessTable& table) {
  const Totals totals = table.totals();
  const memgate_tree& t = in.tree;
  const std::uint64_t peak = std::max<std::uint64_t>(t.peak_bytes, in.polled.peak_bytes);
  const std::uint64_t fork_copy = t.peak_bytes > t.charged_peak_bytes ? t.peak_bytes - t.charged_peak_bytes : 0;
  nlohmann::json j{
      {"supported", true},
      {"step_bytes", in.step_bytes},
      {"syscall_tracing", in.syscalls},
      // Tree-wide: the sum over the tree at one instant, at least the largest polled sum.
      {"peak_bytes", peak},
      {"kernel_peak_bytes", t.peak_bytes},  // the kernel's batched counters alone
      {"polled_lag_bytes_max", in.polled.lag_bytes_max},
      // The peak without forked children's copy-on-write view of their parent (charged
      // only beyond their RSS at fork until they exec), and what that view added.
      {"fork_corrected_peak_bytes", peak - fork_copy},
      {"fork_copy_bytes", fork_copy},
      {"rss_bytes_at_end", t.rss_bytes > 0 ? t.rss_bytes : 0},
      {"rss_events", totals.rss_events},
      {"rss_events_per_s", in.duration_s > 0 ? static_cast<double>(totals.rss_events) / in.duration_s : 0.0},
      {"records", t.records},
      {"dropped_records", t.dropped},
      {"page_faults", totals.page_faults},
      {"fault_hook", in.fault_hook},
      {"oom_kills", t.oom_kills},
      {"forks", t.forks},
      {"execs", t.execs},
      {"exits", t.exits},
      {"processes_seen", table.seen()},
      {"processes_untracked_map_full", t.untracked_full},
  };
  std::uint64_t max_process_peak = 0;
  nlohmann::json rows = nlohmann::json::array();
  for (const auto& p : table.rows(in.max_processes)) {
    max_process_peak = std::max(max_process_peak, p.peak_bytes);
    rows.push_back(process_json(p, in.syscalls, in.fault_hook));
  }
  j["max_process_peak_bytes"] = max_process_peak;
  j["processes"] = rows;
  nlohmann::json victims = nlohmann::json::array();
  for (const auto& v : in.oom_victims)
    victims.push_back({{"t_s", v.t_s},
                       {"pid", v.pid},
                       {"comm", v.comm},
                       {"rss_bytes", v.rss_bytes},
                       {"anon_bytes", v.anon_bytes},
                       {"file_bytes", v.file_bytes},
                       {"shmem_bytes", v.shmem_bytes}});
  j["oom_victims"] = victims;
  if (in.fault_hook) j["fault_hook_hits"] = totals.fault_hook_hits;
  if (in.syscalls)
    j["syscalls"] = {{"fds_net", totals.fds_net},
                     {"fd_opens", totals.fd_opens},
                     {"fd_closes", totals.fd_closes},
                     {"mmap_calls", totals.mmap_calls},
                     {"mmap_bytes", totals.mmap_bytes},
                     {"munmap_calls", totals.munmap_calls},
                     {"munmap_bytes", totals.munmap_bytes},
                     {"brk_calls", totals.brk_calls},
                     {"brk_bytes", totals.brk_bytes},
                     {"madvise_calls", totals.madvise_calls},
                     {"madvise_bytes", totals.madvise_bytes}};
  return j;
}

}  // namespace memgate::ebpf
