// memgate::Sampler on top of BpfSession: drains records into events at each tick,
// mirrors the kernel's per-process map into a ProcessTable, fills samples.csv columns.
#include "ebpf/ebpf_sampler.h"

#include <cmath>
#include <filesystem>
#include <optional>
#include <string>

#include "ebpf/bpf_session.h"
#include "ebpf/ebpf_figures.h"
#include "ebpf/ebpf_support.h"
#include "memgate/error.h"
#include "sys/clock.h"
#include "sys/proc_files.h"
#include "sys/proc_parse.h"

namespace memgate {
namespace {

constexpr std::size_t kMaxOomVictims = 256;  // bounded: a crash-looping tree must not grow memory

std::uint64_t monotonic_ns() { return static_cast<std::uint64_t>(sys::monotonic_ns()); }

std::optional<sys::StatFields> read_stat(const std::string& path, std::string& buf) {
  if (!sys::read_file_into(path.c_str(), buf)) return std::nullopt;
  return sys::parse_stat(buf);
}

std::uint64_t faults_of(const sys::StatFields& stat) { return stat.minflt + stat.majflt; }

// The whole process's minor + major faults now: /proc/PID/stat sums the live threads
// and the ones gone. nullopt once the process is gone.
std::optional<std::uint64_t> live_faults(pid_t pid, std::string& buf) {
  auto stat = read_stat("/proc/" + std::to_string(pid) + "/stat", buf);
  return stat ? std::optional(faults_of(*stat)) : std::nullopt;
}

// Faults of the threads already gone: in the process's total but in no live thread's
// own count (/proc/PID/task/TID/stat). The kernel adds each live thread's count as it
// exits (memgate_proc.page_faults). The threads are read after the total, so faults
// taken meanwhile make this an underestimate, never a double count.
std::uint64_t gone_thread_faults(const std::string& dir, std::uint64_t total, std::string& buf) {
  std::uint64_t live = 0;
  std::error_code ec;
  for (const auto& task : std::filesystem::directory_iterator(dir + "/task", ec))
    if (auto stat = read_stat(task.path().string() + "/stat", buf)) live += faults_of(*stat);
  return total > live ? total - live : 0;
}

// The kernel only sees changes after start(): seed current RSS and the kernel's own
// peak (VmHWM) from /proc so nothing that happened before attaching is lost.
std::optional<memgate_proc> seed_from_proc(pid_t pid, std::string& buf) {
  const std::string dir = "/proc/" + std::to_string(pid);
  if (!sys::read_file_into((dir + "/status").c_str(), buf)) return std::nullopt;
  const sys::StatusFields status = sys::parse_status(buf);
  if (!status.has_rss) return std::nullopt;
  memgate_proc seed{};
  seed.rss_bytes = status.rss_bytes;
  seed.peak_bytes = std::max(status.hwm_bytes, status.rss_bytes);
  seed.last_emit_bytes = status.rss_bytes;
  std::snprintf(seed.comm, sizeof seed.comm, "%s", status.name.c_str());
  if (auto stat = read_stat(dir + "/stat", buf)) {
    seed.ppid = static_cast<__u32>(stat->ppid);
    seed.page_faults = gone_thread_faults(dir, faults_of(*stat), buf);
  }
  return seed;
}

class EbpfSampler final : public Sampler {
 public:
  explicit EbpfSampler(const EbpfOptions& options) : options_(options), table_(options.max_report_processes) {}

  std::string name() const override { return "ebpf"; }

  std::vector<std::string> columns() const override {
    std::vector<std::string> cols{"ebpf_rss_bytes",      "ebpf_rss_peak_bytes", "ebpf_rss_interval_peak_bytes",
                                  "ebpf_events",         "ebpf_page_faults",    "ebpf_oom_kills",
                                  "ebpf_dropped_records"};
    if (options_.fault_hook) cols.push_back("ebpf_fault_hook_hits");
    if (options_.syscalls)
      cols.insert(cols.end(),
                  {"ebpf_fds_net", "ebpf_mmap_bytes", "ebpf_munmap_bytes", "ebpf_brk_bytes", "ebpf_madvise_bytes"});
    return cols;
  }

  void start(pid_t root_pid, EventSink& events) override { start_roots({root_pid}, events); }

  void start_roots(const std::vector<pid_t>& roots, EventSink&) override {
    if (const Support support = ebpf_support(); !support.ok)
      throw Error(ExitCode::usage, "eBPF sampler unavailable: " + support.reason);
    session_.emplace(ebpf::SessionConfig{options_.step_bytes, options_.syscalls, options_.fault_hook});
    // The roots and whatever they already forked (spawn returns after exec, so usually
    // just the root; an attached process may have a whole tree already).
    std::vector<pid_t> pending = roots;
    std::string buf;
    while (!pending.empty()) {
      const pid_t pid = pending.back();
      pending.pop_back();
      if (auto seed = seed_from_proc(pid, buf)) session_->track(pid, *seed);
      if (!sys::append_children(pid, pending)) sys::append_children_by_scan(pid, pending);
    }
  }

  // The kernel's counters are batched per CPU (up to 31 pages per CPU and counter not
  // yet in the sum eBPF reads), while VmRSS is the precise sum on 6.16+ kernels, and the
  // poll reads the tree's processes at slightly different instants: the exact peaks are
  // raised to what the poll saw, so they bound it by construction (docs/ebpf.md).
  void on_polled(const TreeSample& tree) override { polled_rss_ = tree.rss_bytes; }

  void tick(double t_s, std::span<double> out, EventSink& events) override {
    if (!session_) return;
    refresh(t_s, events);
    const memgate_tree tree = session_->totals();
    const std::uint64_t interval_peak = session_->take_interval_peak();
    const ebpf::Totals totals = table_.totals();
    polled_.add(polled_rss_, std::max<std::int64_t>(tree.rss_bytes, 0));
    polled_rss_ = 0;
    std::vector<double> values{static_cast<double>(std::max<std::int64_t>(tree.rss_bytes, 0)),
                               static_cast<double>(std::max<std::uint64_t>(tree.peak_bytes, polled_.peak_bytes)),
                               static_cast<double>(std::max<std::uint64_t>(interval_peak, polled_.last_bytes)),
                               static_cast<double>(totals.rss_events),
                               static_cast<double>(totals.page_faults),
                               static_cast<double>(tree.oom_kills),
                               static_cast<double>(tree.dropped)};
    if (options_.fault_hook) values.push_back(static_cast<double>(totals.fault_hook_hits));
    if (options_.syscalls)
      values.insert(values.end(), {static_cast<double>(totals.fds_net), static_cast<double>(totals.mmap_bytes),
                                   static_cast<double>(totals.munmap_bytes), static_cast<double>(totals.brk_bytes),
                                   static_cast<double>(totals.madvise_bytes)});
    for (std::size_t i = 0; i < out.size() && i < values.size(); ++i) out[i] = values[i];
  }

  SamplerReport stop(double t_s, EventSink& events) override {
    if (!session_) return {{{"supported", false}}, {}};
    refresh(t_s, events);
    ebpf::ReportInput input;
    input.syscalls = options_.syscalls;
    input.fault_hook = options_.fault_hook;
    input.step_bytes = options_.step_bytes;
    input.duration_s = t_s;
    input.tree = session_->totals();
    input.max_processes = options_.max_report_processes;
    input.oom_victims = oom_victims_;
    input.polled = polled_;
    session_.reset();  // detach before the report is assembled: nothing more to see
    return {ebpf::build_report(input, table_), {ebpf::oom_check(oom_victims_)}};
  }

 private:
  // Records become events; the kernel's map becomes the process table. Exited
  // processes leave the map once folded in, so the map holds only the live tree.
  void refresh(double t_s, EventSink& events) {
    const std::uint64_t now_ns = monotonic_ns();
    session_->drain([&](const memgate_record& record) {
      auto event = ebpf::event_of(record);
      if (!event) return;
      const double at = ebpf::record_time_s(record.ts_ns, t_s, now_ns);
      if (record.kind == MEMGATE_REC_OOM && oom_victims_.size() < kMaxOomVictims)
        oom_victims_.push_back({at, static_cast<pid_t>(record.pid), event->fields["comm"], record.rss_bytes,
                                record.anon_bytes, record.file_bytes, record.shmem_bytes});
      events.event(at, event->kind, std::move(event->fields));
    });
    std::vector<pid_t> exited;
    std::string buf;
    session_->for_each_process([&](pid_t pid, const memgate_proc& kernel) {
      ebpf::ProcessFigures figures = ebpf::figures_of(pid, kernel);
      if (figures.exited) {
        table_.finish(figures);
        exited.push_back(pid);
        return;
      }
      // Alive: the kernel holds only its exited threads' faults; the whole count is
      // /proc's (or, in the instant between its exit and the exit hook, the last one read).
      if (auto now = live_faults(pid, buf)) figures.page_faults = *now;
      else if (auto before = table_.find(pid)) figures.page_faults = std::max(figures.page_faults, before->page_faults);
      table_.update_live(figures);
    });
    for (pid_t pid : exited) session_->forget(pid);
  }

  EbpfOptions options_;
  std::optional<ebpf::BpfSession> session_;
  ebpf::ProcessTable table_;
  std::vector<ebpf::OomVictim> oom_victims_;
  std::uint64_t polled_rss_ = 0;  // this tick's polled tree RSS (on_polled), 0 = none
  ebpf::PolledBound polled_;
};

}  // namespace

std::unique_ptr<Sampler> make_ebpf_sampler(const EbpfOptions& options) {
  return std::make_unique<EbpfSampler>(options);
}

}  // namespace memgate
