#include "run/run_session.h"

#include <algorithm>
#include <csignal>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <set>

#include "memgate/check_json.h"
#include "memgate/check_names.h"
#include "memgate/error.h"
#include "analyze/budget.h"
#include "record/run_meta.h"
#include "record/sample_log.h"
#include "report/baseline_runs.h"
#include "report/checks/baseline.h"
#include "report/checks/budgets.h"
#include "report/report_json.h"
#include "report/run_analysis.h"
#include "report/terminal.h"
#include "run/attach_targets.h"
#include "run/live_export.h"
#include "run/decision_watch.h"
#include "run/live_analysis.h"
#include "run/plot.h"
#include "run/run_dir.h"
#include "run/sampler_factory.h"
#include "run/stop_policy.h"
#include "sample/cgroup_figures.h"
#include "sample/proc_sampler.h"
#include "sys/attach.h"
#include "sys/child.h"
#include "sys/fs.h"
#include "sys/host.h"
#include "sys/pipe.h"
#include "sys/signals.h"
#include "sys/watchdog.h"
#include "memgate/units.h"
#include "memgate/cycle_phase.h"
#include "metrics/metrics_sampler.h"

namespace memgate::run {

namespace {

record::RunMeta initial_meta(const RunConfig& c, const std::vector<std::string>& target_env, std::int64_t started_ms) {
  record::RunMeta m;
  m.command = c.command;
  // memgate's environment, then what the target gets on top of it (allocator, knobs).
  const auto record_env = [&m](const std::string& entry) {
    const auto eq = entry.find('=');
    if (record::is_memory_relevant_env(entry.substr(0, eq))) m.environment[entry.substr(0, eq)] = entry.substr(eq + 1);
  };
  for (const auto& entry : sys::environment()) record_env(entry);
  for (const auto& entry : target_env) record_env(entry);
  m.host = sys::hostname();
  m.kernel = sys::kernel_release();
  m.cwd = std::filesystem::current_path().string();
  m.memgate_version = MEMGATE_VERSION;
  m.started_unix_ms = started_ms;
  m.hz = c.hz;
  m.pss_hz = c.pss_hz;
  m.process_hz = c.process_hz;
  m.planned_duration_s = c.until_decided ? c.max_duration_s : c.duration_s;
  m.checks = report::to_json(c.checks);
  m.scenario = c.scenario;
  return m;
}

constexpr const char* kAttachedExit = "exit status unknown: memgate attached to it (--pid), its parent reaps it";

record::TargetEnd target_end(const sys::ExitStatus& s) {
  return {s.signaled, s.code, s.signal, s.signaled ? sys::signal_name(s.signal) : "", s.core_dumped, s.describe()};
}

// The traffic driver's figures as a sampler report: the checks it decided (load that
// was planned but never offered), and a sender that failed (could not connect...) as a
// failed "traffic" check, so the verdict cannot pass on load that never arrived.
SamplerReport traffic_report(nlohmann::json figures) {
  SamplerReport r{std::move(figures), {}};
  if (const auto it = r.figures.find("checks"); it != r.figures.end()) {
    r.checks = it->get<std::vector<CheckResult>>();
    r.figures.erase(it);
  }
  if (r.figures.contains("error"))
    r.checks.push_back({check_id::kTraffic,
                        Outcome::fail,
                        "the load could not be delivered: " + r.figures["error"].get<std::string>(),
                        {}});
  return r;
}

// Events from samplers go straight to the log.
class LogEventSink : public EventSink {
 public:
  explicit LogEventSink(record::SampleLogWriter& log) : log_(log) {}
  void event(double t_s, std::string_view kind, nlohmann::json fields) override {
    log_.write_event(t_s, kind, std::move(fields));
  }

 private:
  record::SampleLogWriter& log_;
};

// Live progress on a terminal (rewritten in place), plain lines every 10 s otherwise.
// A target writing to the same terminal would glue its output onto a line rewritten in
// place, so then the line is printed whole (newline-terminated) every 10 s as well.
class ProgressPrinter {
 public:
  // Plain lines come every 10 s, or every tenth of a shorter planned run (at least 1 s).
  ProgressPrinter(bool quiet, std::optional<double> planned_s)
      : quiet_(quiet),
        tty_(sys::stderr_is_terminal()),
        plain_every_s_(planned_s ? std::clamp(*planned_s / 10, 1.0, 10.0) : 10.0) {}

  void share_terminal_with_target() { tty_ = false; }
  void update(const report::Progress& p, double now_s) {
    if (quiet_ || now_s < next_print_s_) return;
    next_print_s_ = now_s + (tty_ ? 0.25 : plain_every_s_);
    // In place, a line wider than the terminal would wrap and leave its start behind.
    // A plain line has "memgate: " before it and stays within 110 columns with it.
    const unsigned columns = tty_ ? sys::stderr_columns() : 0;
    const std::string line = report::progress_line(p, tty_ && columns > 1 ? std::min(columns - 1, 110u) : 101);
    if (tty_) std::fprintf(stderr, "\r\033[K%s", line.c_str());
    else std::fprintf(stderr, "memgate: %s\n", line.c_str());
    std::fflush(stderr);
  }
  void finish() {
    if (!quiet_ && tty_) std::fprintf(stderr, "\r\033[K");
  }
  void note(const std::string& text) {
    if (quiet_) return;
    finish();
    std::fprintf(stderr, "memgate: %s\n", text.c_str());
  }

 private:
  bool quiet_, tty_;
  double plain_every_s_;
  double next_print_s_ = 0;
};

// Records/s over the last few seconds from the sender's running count.
class RecordRate {
 public:
  std::optional<double> add(double now_s, std::uint64_t accepted) {
    if (now_s - window_start_ >= 2.0) {
      rate_ = static_cast<double>(accepted - window_count_) / (now_s - window_start_);
      window_start_ = now_s;
      window_count_ = accepted;
    }
    return rate_;
  }

 private:
  double window_start_ = 0;
  std::uint64_t window_count_ = 0;
  std::optional<double> rate_;
};

// Absolute tick deadlines: a slow sample delays one tick, it does not shift the schedule.
class TickClock {
 public:
  explicit TickClock(double hz) : period_(1.0 / hz) {}
  // Sleeps until the next tick's deadline (seconds since the start t0_s), counting the
  // ticks a slow iteration overran.
  void wait_next(double t0_s) {
    ++tick_;
    double deadline = static_cast<double>(tick_) * period_;
    const double after = sys::monotonic_seconds() - t0_s;
    if (after > deadline) {
      const auto skipped = static_cast<std::uint64_t>((after - deadline) / period_) + 1;
      missed_ += skipped;
      tick_ += skipped;
      deadline = static_cast<double>(tick_) * period_;
    }
    sys::sleep_until(t0_s + deadline);
  }
  std::uint64_t ticks() const { return tick_; }
  std::uint64_t missed() const { return missed_; }

 private:
  double period_;
  std::uint64_t tick_ = 0, missed_ = 0;
};

// The measured achieved sample rate over the last second, for the live line.
class RateMeter {
 public:
  double add(double now_s) {
    ++ticks_;
    if (now_s - window_start_ >= 1.0) {
      hz_ = static_cast<double>(ticks_) / (now_s - window_start_);
      window_start_ = now_s;
      ticks_ = 0;
    }
    return hz_;
  }

 private:
  double window_start_ = 0, hz_ = 0;
  std::uint64_t ticks_ = 0;
};

class RunSession {
 public:
  RunSession(const RunConfig& config, std::vector<SamplerSlot> extra)
      : c_(config),
        extra_samplers_(std::move(extra)),
        progress_(config.quiet, config.until_decided ? config.max_duration_s : config.duration_s),
        stop_({config.until_decided ? config.max_duration_s : config.duration_s, config.traffic.has_value(),
               config.drain_s, config.stop_grace_s}),
        clock_(config.hz) {}

  RunResult run() {
    prepare();
    try {
      if (c_.attach_pids.empty()) spawn();
      else attach();
    } catch (const Error& e) {
      if (e.code() != ExitCode::target_failed) throw;
      // The run directory says why; report.json and the CI outputs say it too, so a gate
      // never sees a missing JUnit file where a failing one belongs.
      auto result = judge(false);
      result.error = e.what();
      return result;
    }
    try {
      start_samplers();
      sample_until_exit();
      finish();
    } catch (const std::exception& e) {
      // The run directory says memgate failed, not the target (unless the step that
      // failed already said why); the Child's destructor stops the target's group.
      if (live_) live_->stop();
      if (meta_.status != "finished") {
        end_early(record::kEndInternalError, std::string("memgate failed mid-run: ") + e.what());
        try {
          write_meta();
        } catch (const std::exception&) {  // the original error is the one to report
        }
      }
      throw;
    }
    return judge();
  }

 private:
  // The run directory, the samplers, the sample log and meta.json, before anything runs.
  void prepare() {
    if (c_.traffic) traffic_.emplace(*c_.traffic);          // validates the schedule before anything is written
    if (c_.exports.enabled()) export_.emplace(c_.exports);  // a port in use is refused before anything is written
    started_ms_ = sys::unix_millis();
    run_dir_.emplace(prepare_run_dir(c_.out_dir, started_ms_, c_.force));
    dir_ = run_dir_->path;
    meta_path_ = dir_ + "/" + record::kMetaFile;
    samplers_ = make_samplers(c_, dir_);
    for (auto& slot : extra_samplers_) samplers_.slots.push_back(std::move(slot));
    for (const auto& note : samplers_.notes) progress_.note(note);
    std::vector<std::string> extra_columns;
    for (const auto& slot : samplers_.slots) {
      if (auto* m = dynamic_cast<metrics::MetricsSampler*>(slot.sampler.get())) metrics_ = m;
      auto columns = slot.sampler->columns();
      column_counts_.push_back(columns.size());
      extra_columns.insert(extra_columns.end(), columns.begin(), columns.end());
    }
    extra_.resize(extra_columns.size());
    const auto column = [&](std::string_view name) -> std::optional<std::size_t> {
      const auto it = std::find(extra_columns.begin(), extra_columns.end(), name);
      if (it == extra_columns.end()) return std::nullopt;
      return static_cast<std::size_t>(it - extra_columns.begin());
    };
    ebpf_peak_column_ = column("ebpf_rss_peak_bytes");
    oom_column_ = column("ebpf_oom_kills");
    cgroup_usage_column_ = column("cgroup_usage_bytes");
    heap_allocated_column_ = column("alloc_allocated_bytes");
    heap_mapped_column_ = column("alloc_mapped_bytes");
    if (c_.until_decided) {
      analyze::SequentialSettings plan;
      plan.max_s = *c_.max_duration_s;
      watch_.emplace(c_.checks, plan);
      plan_ = {{"max_duration_s", plan.max_s},
               {"looks", watch_->plan().size() + 1},
               {"first_look_s", plan.first_look_s},
               {"look_ratio", plan.look_ratio},
               {"alpha", plan.alpha},
               {"spending", "obrien-fleming"}};
    }
    crossings_ = analyze::BudgetCrossings(report::checks::budget_limits(c_.checks));
    active_.assign(samplers_.slots.size(), true);
    meta_ = initial_meta(c_, samplers_.target_env, started_ms_);
    meta_.memgate_pid = sys::self_pid();
    meta_.until_decided = plan_;
    if (samplers_.cgroup) meta_.samplers["cgroup"] = samplers_.cgroup_figures;  // the limits, before the end
    log_.emplace(dir_, extra_columns, c_.log_segment_bytes);
    if (c_.traffic) log_->set_time_scale(c_.traffic->time_scale);  // events carry scenario time too
    events_.emplace(*log_);
    write_meta();
    // The verdict so far: for the live line (when shown) and the interim reports.
    const double every_s = report_interval(c_.report_every_s, c_.duration_s);
    // The export shows the same analysis, its first one a second in.
    if (every_s > 0 || !c_.quiet || export_)
      live_.emplace(LiveAnalysis::Options{dir_, c_.checks, c_.outputs, every_s, 5, export_ ? 1.0 : 5.0});
    if (export_) {
      export_->start(export_labels());
      if (const std::string where = export_->where(); !where.empty()) progress_.note(where);
    }
  }

  // The labels of every exported series: the run, its scenario, its allocator.
  openmetrics::RunLabels export_labels() const {
    std::string scenario;
    if (c_.scenario.is_object() && c_.scenario.contains("name") && c_.scenario["name"].is_string())
      scenario = c_.scenario["name"].get<std::string>();
    return {std::filesystem::path(dir_).filename().string(), scenario, c_.samplers.allocator};
  }

  // What the live export shows of the last tick.
  openmetrics::LiveFigures live_figures(double now) const {
    openmetrics::LiveFigures f;
    fill_tree(f, last_row_);
    if (last_pss_) f.pss_bytes = last_pss_;
    f.rss_peak_bytes = rss_peak_;
    f.start_unix_s = static_cast<double>(started_ms_) / 1000;
    f.elapsed_s = now;
    f.planned_s = c_.duration_s ? c_.duration_s : traffic_ ? traffic_->duration_s() : std::nullopt;
    f.scenario_time_s = traffic_ ? traffic_->scenario_time_at(now) : now;
    f.phase = last_phase_;
    f.samples = log_ ? log_->rows() : 0;
    f.missed_ticks = clock_.missed();
    const auto extra = [&](const std::optional<std::size_t>& i) { return i && *i < extra_.size() ? extra_[*i] : NAN; };
    f.heap_bytes = extra(heap_allocated_column_);
    f.cgroup_usage_bytes = extra(cgroup_usage_column_);
    if (traffic_) {
      const auto t = traffic_->live();
      f.traffic = openmetrics::TrafficFigures{t.sent, t.accepted, t.dropped, t.lag_s};
    }
    if (c_.samplers.memory_limits.max) f.cgroup_limit_bytes = static_cast<double>(*c_.samplers.memory_limits.max);
    return f;
  }

  // The target (and the traffic that feeds it). A target that cannot start leaves a run
  // directory that says what was attempted and why it failed.
  void spawn() {
    sys::become_subreaper();
    t0_ = sys::monotonic_seconds();
    sys::Pipe stdin_pipe;
    const bool feeds_stdin = c_.traffic && c_.traffic->transport.kind == load::TransportSpec::Kind::stdin_pipe;
    if (feeds_stdin) stdin_pipe = sys::Pipe::create();
    sys::UniqueFd target_log;
    // Opened before the spawn, so that a bad path is a usage error rather than a target
    // that "failed to start".
    // Sharing the terminal with the target, the live line is printed as whole lines.
    const std::string log_path = c_.target_log == "-"     ? ""
                                 : !c_.target_log.empty() ? c_.target_log
                                 : c_.json                ? dir_ + "/target.log"
                                                          : "";
    if (!log_path.empty()) target_log = sys::open_for_writing(log_path, "the target log");
    else progress_.share_terminal_with_target();
    std::vector<std::string> env = c_.env_set;
    env.insert(env.end(), samplers_.target_env.begin(), samplers_.target_env.end());
    // Inherited by every descendant: how the watchdog finds those memgate never saw.
    marker_ = std::to_string(sys::self_pid()) + "-" + std::to_string(started_ms_) + "-" +
              std::to_string(static_cast<long long>(sys::monotonic_seconds() * 1e9));
    env.push_back(std::string(sys::kMarkerVariable) + "=" + marker_);
    try {
      child_.emplace(sys::Child::spawn({c_.command, env, c_.cwd, feeds_stdin ? stdin_pipe.read_end() : -1,
                                        target_log.get(), samplers_.cgroup ? samplers_.cgroup->procs_file() : ""}));
    } catch (const Error& e) {
      end_early(record::kEndStartFailed, e.what());
      log_->write_event(0, "start-failed", {{"error", e.what()}});
      log_->maybe_flush(0, true);
      write_meta();
      throw;
    }
    meta_.target_pid = child_->pid();
    // From here on the target's processes die with memgate, however memgate ends.
    watchdog_.emplace(sys::Watchdog::start(child_->pid(), marker_, samplers_.cgroup ? samplers_.cgroup->path() : ""));
    log_->write_event(0, "start", {{"pid", child_->pid()}, {"command", c_.command}});
    stdin_pipe.close_read_end();  // the target holds it now: EOF reaches it when the driver closes its end
    if (traffic_) traffic_->start(feeds_stdin ? stdin_pipe.release_write_end() : -1);
    write_meta();
  }

  // --pid: processes memgate did not start. Time zero is the attach; nothing is spawned,
  // and nothing here or later signals them (no watchdog, no subreaper, no cgroup).
  void attach() {
    t0_ = sys::monotonic_seconds();
    std::vector<sys::AttachedProcess> found;
    for (const pid_t pid : unique_pids(c_.attach_pids)) {
      auto probe = sys::probe_attach(pid);
      std::string error = attach_error(pid, probe);
      if (error.empty() && pid == sys::self_pid()) error = "--pid " + std::to_string(pid) + " is this memgate itself";
      if (!error.empty()) {
        end_early(record::kEndStartFailed, error);
        log_->write_event(0, "start-failed", {{"error", error}});
        log_->maybe_flush(0, true);
        write_meta();
        throw Error(ExitCode::target_failed, error);
      }
      found.push_back(std::move(probe.process));
    }
    attached_.emplace(std::move(found));
    meta_.target_pid = attached_->processes().front().pid;
    meta_.attached = attached_->records(started_ms_);
    std::string list;
    for (const auto& p : meta_.attached)
      list += (list.empty() ? "" : ", ") + std::to_string(p.pid) + " (" + p.comm +
              (p.age_at_attach_s ? ", up " + format_duration(*p.age_at_attach_s) : "") + ")";
    const bool one = meta_.attached.size() == 1;
    const std::string it = one ? "it" : "them", its = one ? "its" : "their";
    meta_.notes.push_back("attached to " + std::string(one ? "PID " : "PIDs ") + list +
                          ": samples start at the attach; memgate did not start " + it + ", never signals " + it +
                          ", and cannot see " + its +
                          " exit status; no metrics channel, allocator probe or memory limit");
    progress_.note(meta_.notes.back());
    nlohmann::json pids = nlohmann::json::array();
    for (const pid_t pid : attached_->pids()) pids.push_back(pid);
    log_->write_event(0, "attach", {{"pids", pids}});
    write_meta();
  }

  // The roots of the watched tree: the spawned target, or the attached processes.
  std::vector<pid_t> roots() const { return attached_ ? attached_->pids() : std::vector<pid_t>{child_->pid()}; }

  // A sampler that cannot attach fails the run, unless it is optional: then its columns
  // stay empty and the report says why.
  void start_samplers() {
    for (std::size_t i = 0; i < samplers_.slots.size(); ++i) {
      auto& slot = samplers_.slots[i];
      try {
        slot.sampler->start_roots(roots(), *events_);
      } catch (const Error& e) {
        const std::string name = slot.sampler->name();
        if (!slot.optional) {
          end_early(record::kEndSamplerFailed, name + " sampler failed: " + e.what());
          write_meta();
          throw;
        }
        active_[i] = false;
        meta_.notes.push_back(name + " sampler unavailable (" + e.what() + "); its columns stay empty");
        progress_.note(meta_.notes.back());
      }
    }
    proc_.emplace(roots());
    if (!attached_) proc_->follow_adopted(sys::self_pid(), watchdog_->pid());
  }

  void sample_until_exit() {
    for (;;) {
      const double now = sys::monotonic_seconds() - t0_;
      sample(now);
      if (!attached_)
        for (const auto& e : sys::reap_adopted(child_->pid(), watchdog_->pid()))
          note_signal_exit(e.pid, e.comm, e.status, now);
      check_log(now);
      if (attached_ ? attached_ended(now) : (exit_status_ = child_->poll()).has_value()) break;
      const auto actions = stop_.step(
          {now, signals_.take(), traffic_ && traffic_->finished(), log_->error().has_value(), abort_reason_, decided_});
      if (attached_ ? detach(actions, now) : (apply(actions, now), false)) break;
      clock_.wait_next(t0_);
    }
    progress_.finish();
    if (traffic_ && !traffic_ended_) end_traffic(sys::monotonic_seconds() - t0_);
  }

  // The scheduled phases begun since the last tick, each at its own start: a phase shorter
  // than a tick (a cycle's quarter second on a loaded machine) still has its event, and
  // its change goes into `changes` (from, to) for the samplers.
  void log_phases_stepped_over(double now, std::vector<std::pair<std::string, std::string>>& changes) {
    if (!traffic_) return;
    for (const auto& begun : traffic_->phases_begun(last_tick_s_, now)) {
      if (begun.name == last_phase_ || begun.t_s >= now) continue;
      log_->write_event(begun.t_s, "phase", {{"phase", begun.name}, {"from", last_phase_}});
      changes.emplace_back(last_phase_, begun.name);
      last_phase_ = begun.name;
    }
  }

  // One tick: the tree's row (with every sampler's columns), the phase, the live line.
  void sample(double now) {
    const bool pss_due = now >= next_pss_;
    TreeSample row = proc_->sample(now, pss_due, processes_);
    // Every process the target started is killed with it should memgate die (those in
    // its group already are: telling the watchdog about them too costs 16 bytes each).
    for (const auto& p : proc_->take_new_processes())
      if (watchdog_) watchdog_->watch(p.pid, p.start_ticks);
    for (const auto& e : proc_->take_signal_exits())
      note_signal_exit(e.pid, e.comm, sys::ExitStatus{true, 0, e.signal, false}, now);
    if (pss_due) next_pss_ = now + (c_.pss_hz > 0 ? 1.0 / c_.pss_hz : INFINITY);
    row.wall_ms = sys::unix_millis();
    std::fill(extra_.begin(), extra_.end(), NAN);
    std::size_t offset = 0;
    for (std::size_t i = 0; i < samplers_.slots.size(); ++i) {
      const std::size_t n = column_counts_[i];
      if (active_[i]) {
        samplers_.slots[i].sampler->on_polled(row);
        samplers_.slots[i].sampler->tick(now, std::span<double>(extra_).subspan(offset, n), *events_);
      }
      offset += n;
    }
    const std::string phase = traffic_ ? traffic_->phase_at(now) : marked_phase(now);
    std::vector<std::pair<std::string, std::string>> phase_changes;  // since the previous tick
    log_phases_stepped_over(now, phase_changes);
    if (phase != last_phase_) {
      log_->write_event(now, "phase", {{"phase", phase}, {"from", last_phase_}});
      phase_changes.emplace_back(last_phase_, phase);
      last_phase_ = phase;
    }
    last_tick_s_ = now;
    log_->write_tree(row, phase, traffic_ ? traffic_->scenario_time_at(now) : now, extra_);
    if (c_.abort_on != "none" && abort_reason_ == nullptr && row.processes > 0) decide_abort(row, now);
    if (watch_) watch(row, now);
    // Every change, stepped-over phases included: a cycle's quiet phase that fell between
    // two ticks still gets its purge.
    if (clock_.ticks() > 0)
      for (const auto& [from, to] : phase_changes)
        for (std::size_t i = 0; i < samplers_.slots.size(); ++i)
          if (active_[i]) samplers_.slots[i].sampler->on_phase(now, from, to, *events_);
    if (now >= next_process_) {
      log_->write_processes(now, processes_);
      next_process_ = now + (c_.process_hz > 0 ? 1.0 / c_.process_hz : INFINITY);
    }
    log_->maybe_flush(now);
    rss_peak_ = std::max(rss_peak_, row.rss_bytes);
    if (export_) {
      if (row.pss_bytes) last_pss_ = row.pss_bytes;
      last_row_ = row;
      if (export_->due(now)) {
        auto figures = live_figures(now);
        if (live_) figures.verdicts = live_->latest_verdicts();
        note_once(export_->publish(figures, now));
      }
    }
    if (live_) {
      live_->tick(now, meta_, [&] { log_->maybe_flush(now, true); });
      for (const auto& note : live_->take_notes()) {
        log_->write_event(now, "interim-report", {{"note", note}});
        progress_.note(note);
      }
    }
    progress_.update(progress(row, phase, now), now);
  }

  report::Progress progress(const TreeSample& row, const std::string& phase, double now) {
    report::Progress p;
    p.elapsed_s = now;
    p.planned_s = c_.until_decided ? c_.max_duration_s : c_.duration_s;
    p.rss_bytes = row.rss_bytes;
    p.rss_peak_bytes = rss_peak_;
    p.fds = row.fds;
    p.processes = row.processes;
    p.achieved_hz = rate_.add(now);
    if (attached_) p.target = "attached to " + attached_->describe();
    if (traffic_) {
      p.phase = phase;
      if (c_.traffic->time_scale != 1) p.scenario_s = traffic_->scenario_time_at(now);
      if (traffic_->counts_records() && !traffic_ended_) {
        const auto live = traffic_->live();
        p.records_per_s = records_.add(now, live.accepted);
        if (live.accepted > 0) p.lag_s = live.lag_s;
      }
    }
    if (live_)
      if (const auto latest = live_->latest()) p.decision = report::live_decision(*latest);
    return p;
  }

  // Without traffic, the cycles a target marks on the metrics channel ({"cycle_done": N}):
  // "cycle N quiet" for cycle_mark_quiet_s after the mark, then "cycle N+1" until the next.
  std::string marked_phase(double now) {
    if (!metrics_) return "run";
    for (const auto& mark : metrics_->take_cycle_marks()) {
      nlohmann::json fields = {{"cycle", mark.cycle}};
      if (mark.work) fields["work"] = *mark.work;
      log_->write_event(now, "cycle", fields);
      last_mark_ = mark.cycle;
      last_mark_t_ = now;
    }
    if (last_mark_ == 0) return "run";
    if (now - last_mark_t_ < c_.cycle_mark_quiet_s) return cycle_phase_name(last_mark_, CyclePart::quiet);
    return cycle_phase_name(last_mark_ + 1, CyclePart::load);
  }

  // --abort-on: is the run decided FAIL by this tick's row (the row the report's
  // streaming pass reads: a budget crossed here is crossed in `memgate report` too)?
  void decide_abort(const TreeSample& row, double now) {
    const auto extra = [&](const std::optional<std::size_t>& i) { return i ? extra_[*i] : NAN; };
    const double pss = row.pss_bytes ? static_cast<double>(*row.pss_bytes) : NAN;
    const auto crossed =
        crossings_.add({now, static_cast<double>(row.rss_bytes), static_cast<double>(row.hwm_max_bytes),
                        extra(ebpf_peak_column_), pss, static_cast<double>(row.fds), static_cast<double>(row.threads)});
    std::string why;
    nlohmann::json fields;
    if (!crossed.empty()) {
      const analyze::NewCrossing& first = crossed.front();
      abort_reason_ = record::kEndAbortedOnBudget;
      why = first.describe();
      fields = {{"check", first.id},
                {"first_over_at", first.crossing.t_s},
                {"value", first.crossing.value},
                {"limit", first.limit}};
    } else if (c_.abort_on == "fail" && extra(oom_column_) > 0) {
      abort_reason_ = record::kEndAbortedOnFail;
      why = "the kernel OOM-killed a process of the target (the oom-kills check fails)";
      fields = {{"check", check_id::kOomKills}};
    } else if (c_.abort_on == "fail" && traffic_ && traffic_->failed()) {
      abort_reason_ = record::kEndAbortedOnFail;
      why = "the load could not be delivered (the traffic check fails)";
      fields = {{"check", check_id::kTraffic}};
    } else {
      return;
    }
    fields["reason"] = abort_reason_;
    log_->write_event(now, "abort", fields);
    meta_.notes.push_back("stopped at t=" + format_duration(now) + " (--abort-on " + c_.abort_on + "): " + why);
    progress_.note(meta_.notes.back());
  }

  // --until-decided: the row into the watch's bounded series, and the look due now.
  void watch(const TreeSample& row, double now) {
    const auto extra = [&](const std::optional<std::size_t>& i) { return i ? extra_[*i] : NAN; };
    watch_->add(now, {static_cast<double>(row.processes), static_cast<double>(row.rss_bytes),
                      row.pss_bytes ? static_cast<double>(*row.pss_bytes) : NAN, static_cast<double>(row.fds),
                      static_cast<double>(row.threads), extra(heap_allocated_column_), extra(heap_mapped_column_)});
    if (decided_ || abort_reason_ != nullptr || stop_.stopping()) return;
    const auto look = watch_->look(now);
    if (!look) return;
    nlohmann::json outcomes = nlohmann::json::object();
    for (const auto& check : look->checks) outcomes[check.id] = std::string(to_string(check.outcome));
    const char* decision = look->decision == analyze::LookDecision::fail   ? "fail"
                           : look->decision == analyze::LookDecision::pass ? "pass"
                                                                           : "undecided";
    nlohmann::json fields = {{"look", look->look},      {"of", look->looks},    {"planned_at_s", look->at.at_s},
                             {"alpha", look->at.alpha}, {"decision", decision}, {"checks", outcomes}};
    log_->write_event(now, "look", fields);
    if (look->decision == analyze::LookDecision::undecided) return;
    decided_ = true;
    fields["t_s"] = now;
    meta_.until_decided["decided"] = fields;
    std::string which;
    for (const auto& check : look->checks)
      if (look->decision == analyze::LookDecision::pass || check.outcome == Outcome::fail)
        which += (which.empty() ? "" : ", ") + check.id;
    meta_.notes.push_back("stopped at t=" + format_duration(now) + " (--until-decided): look " +
                          std::to_string(look->look) + " of " + std::to_string(look->looks) + " decided " +
                          (look->decision == analyze::LookDecision::fail ? "FAIL" : "PASS") + " (" + which +
                          "); the checks below judge the whole run");
    progress_.note(meta_.notes.back());
  }

  // --pid: the attached processes that ended this tick (their pids are no longer
  // followed: they may be reused); true once all have.
  bool attached_ended(double now) {
    for (const auto& p : attached_->update(sys::live_start_ticks, now)) {
      proc_->drop_root(p.pid);
      log_->write_event(now, "attached-exit", {{"pid", p.pid}, {"comm", p.comm}});
      progress_.note("PID " + std::to_string(p.pid) + " (" + p.comm + ") exited at t=" + format_duration(now) +
                     " (its exit status is its parent's to see, not memgate's)");
    }
    return attached_->all_ended();
  }

  // --pid: where a spawned target would be stopped (--duration, an interrupt, --abort-on,
  // --until-decided, a full disk), memgate stops watching instead; the processes run on.
  bool detach(const StopActions& a, double now) {
    if (!a.terminate_signal) return false;
    meta_.end_reason = stop_.end_reason();
    log_->write_event(now, "detach", {{"reason", stop_.end_reason()}});
    meta_.notes.push_back("stopped watching at t=" + format_duration(now) + " (" + stop_.end_reason() +
                          "); the attached processes were left running");
    progress_.note(meta_.notes.back());
    return true;
  }

  void apply(const StopActions& a, double now) {
    if (a.terminate_signal) {
      meta_.stopped_by_memgate = true;
      meta_.end_reason = stop_.end_reason();
      child_->signal_group(a.terminate_signal);
      log_->write_event(now, "stop",
                        {{"signal", sys::signal_name(a.terminate_signal)}, {"reason", stop_.end_reason()}});
    }
    if (a.end_traffic) end_traffic(now);
    if (a.kill) {
      child_->signal_group(SIGKILL);
      log_->write_event(now, "kill", {{"reason", a.kill_reason}});
    }
  }

  void end_traffic(double now) {
    record_sampler(traffic_report(traffic_->stop()), "traffic");
    traffic_ended_ = true;
    log_->write_event(now, "traffic-done", {});
  }

  // A descendant (not the target) that crashed: worth knowing, not a failure by itself.
  void note_signal_exit(pid_t pid, const std::string& comm, const sys::ExitStatus& status, double now) {
    if (!status.signaled || !sys::is_crash_signal(status.signal) || !crash_noted_.insert(pid).second) return;
    const std::string sig = sys::signal_name(status.signal);
    log_->write_event(now, "child-crashed", {{"pid", pid}, {"comm", comm}, {"signal", sig}});
    if (++crashes_ > kMaxCrashNotes) return;
    meta_.notes.push_back("pid " + std::to_string(pid) + " (" + comm + ") was killed by " + sig +
                          " at t=" + format_duration(now) +
                          (crashes_ == kMaxCrashNotes ? " (further crashes only in events.jsonl)" : ""));
    progress_.note(meta_.notes.back());
  }

  // The first failed write to the sample log is said at once (even with --quiet); the
  // stop policy then stops the target, and the verdict covers what was written.
  void check_log(double now) {
    if (log_failed_said_ || !log_->error()) return;
    log_failed_said_ = true;
    const std::string text = log_->error()->message();
    progress_.finish();
    std::fprintf(stderr, "memgate: %s; stopping the target\n", text.c_str());
    meta_.notes.push_back(text);
    log_->write_event(now, "io-error", {{"path", log_->error()->path}, {"error", text}});
  }

  // After the target exited: every process it left behind (in its group, or ones that
  // left it: setsid daemons) is stopped and named. They are part of what it did, but a
  // harness must not leak load into the next run.
  void stop_leftovers() {
    // Processes of the group that outlive the target get a moment to exit on their own
    // (they may have received the same SIGTERM) before they count as left behind.
    child_->reap_group(0.2);
    const auto left = sys::live_descendants(sys::self_pid(), watchdog_->pid());
    if (left.empty()) return;
    const double now = sys::monotonic_seconds() - t0_;
    sys::stop_processes(left, 0.5, watchdog_->pid());
    nlohmann::json listed = nlohmann::json::array();
    std::string in_group, out_of_group;
    std::size_t n_in = 0, n_out = 0;
    for (const auto& p : left) {
      const bool left_group = p.pgrp != child_->pid();
      listed.push_back({{"pid", p.pid}, {"comm", p.comm}, {"left_group", left_group}});
      std::string& names = left_group ? out_of_group : in_group;
      names += (names.empty() ? "" : ", ") + ("pid " + std::to_string(p.pid) + " comm " + p.comm);
      ++(left_group ? n_out : n_in);
    }
    const auto processes = [](std::size_t n) { return std::to_string(n) + (n == 1 ? " process" : " processes"); };
    log_->write_event(now, "orphans-killed", {{"processes", listed}});
    if (n_in > 0)
      meta_.notes.push_back("the target exited but left " + processes(n_in) +
                            " in its group; memgate killed them: " + in_group);
    if (n_out > 0)
      meta_.notes.push_back("killed " + processes(n_out) + " that left the target's group: " + out_of_group);
    if (n_in > 0) progress_.note(meta_.notes[meta_.notes.size() - (n_out > 0 ? 2 : 1)]);
    if (n_out > 0) progress_.note(meta_.notes.back());
  }

  // After the target exited: what it left behind, the samplers' reports, meta.json.
  void finish() {
    stop_live_analysis();
    if (!attached_) stop_leftovers();
    const double end_s = sys::monotonic_seconds() - t0_;
    child_.reset();  // kills whatever of the group is left
    // Whatever is still in the target's cgroup (a process that escaped the tree): the
    // cgroup sampler's last reading then counts every process's end.
    if (samplers_.cgroup && !samplers_.cgroup->kill_all(2.0))
      meta_.notes.push_back("processes in " + samplers_.cgroup->path() + " survived SIGKILL for 2 s");
    if (meta_.end_reason.empty()) meta_.end_reason = record::kEndTargetExited;
    if (attached_) {
      meta_.attached = attached_->records(started_ms_);
      log_->write_event(end_s, "exit", {{"description", kAttachedExit}});
    } else {
      meta_.target_end = target_end(*exit_status_);
      log_->write_event(end_s, "exit", {{"description", exit_status_->describe()}});
    }

    for (std::size_t i = 0; i < samplers_.slots.size(); ++i) {
      auto& sampler = *samplers_.slots[i].sampler;
      if (active_[i]) record_sampler(sampler.stop(end_s, *events_), sampler.name());
    }
    if (samplers_.cgroup) sample::defer_oom_kills_at_limit(meta_.sampler_checks, meta_.samplers);
    if (samplers_.cgroup && !samplers_.cgroup->remove())
      meta_.notes.push_back("could not remove the cgroup " + samplers_.cgroup->path() +
                            " (the next memgate run removes it)");
    const sys::SelfUsage self = sys::self_usage();
    meta_.samplers["proc"] = {{"ticks", log_->rows()},
                              {"missed_ticks", clock_.missed()},
                              {"processes_seen", proc_->processes_seen()},
                              {"memgate_cpu_s", self.cpu_s},
                              {"memgate_max_rss_bytes", self.max_rss_bytes}};
    if (clock_.missed() > 0)
      meta_.notes.push_back(count_noun(clock_.missed(), "sample tick was", "sample ticks were") +
                            " missed (sampling slower than --hz)");
    meta_.status = "finished";
    meta_.ended_unix_ms = sys::unix_millis();
    log_->maybe_flush(end_s, true);
    check_log(end_s);
    if (log_->error()) {
      meta_.end_reason = record::kEndIoError;  // the files end where writing failed
      meta_.stopped_by_memgate = true;
    }
    try {
      write_meta();
    } catch (const Error& e) {
      // Out of disk at the very end: the verdict is still computed from memory.
      meta_write_error_ = e.what();
      std::fprintf(stderr, "memgate: %s\n", e.what());
    }
    if (watchdog_) watchdog_->release();  // nothing of the target is left to kill
  }

  // No interim report may land after (or race with) the final one; its cost goes into
  // meta.json (samplers.live_analysis).
  void stop_live_analysis() {
    if (!live_) return;
    live_->stop();
    const auto cost = live_->cost();
    meta_.samplers["live_analysis"] = {{"report_every_s", report_interval(c_.report_every_s, c_.duration_s)},
                                       {"refreshes", cost.refreshes},
                                       {"interim_reports", cost.reports},
                                       {"failures", cost.failures},
                                       {"last_s", cost.last_s},
                                       {"max_s", cost.max_s},
                                       {"total_s", cost.total_s}};
    live_.reset();
  }

  // The verdict from what is on disk, exactly as `memgate report DIR` computes it.
  // `ran`: false when the target never started (nothing to plot).
  RunResult judge(bool ran = true) {
    if (live_) live_->stop();
    // After an I/O failure meta.json on disk may be the one of the start ("running"):
    // the verdict uses the final one in memory, and the run exits 5 whatever it says.
    const bool io_failed = log_->error() || !meta_write_error_.empty();
    auto analysis = report::analyze_run_dir(dir_, c_.checks, io_failed ? &meta_ : nullptr);
    report::set_inconclusive_policy(analysis, c_.outputs.inconclusive);
    if (io_failed) analysis.exit_code = ExitCode::internal;
    const std::string report_path = dir_ + "/" + report::kReportFile;
    auto report = report::report_json(analysis, c_.checks);
    try {
      record::write_json_file(report_path, report);
      // --attribute's exports beside report.json (docs/attribution.md).
      if (analysis.attribution && !analysis.attribution->stacks.empty()) {
        const auto& at = *analysis.attribution;
        sys::write_text_file(dir_ + "/" + report::kCollapsedFile, at.collapsed);
        const double window_s = at.growth.late_t_s - at.growth.early_t_s;
        sys::write_text_file(dir_ + "/" + report::kPprofFile,
                             report::pprof_profile(at.stacks, static_cast<std::int64_t>(window_s * 1e9)));
      }
    } catch (const Error& e) {
      if (!io_failed) throw;
      std::fprintf(stderr, "memgate: %s\n", e.what());
    }
    // The plots first: the markdown summary shows timeline.png when it exists. A run
    // directory that could not be written gets no plot, but the CI outputs (elsewhere,
    // most likely) are still attempted: a gate must see the exit-5 run as failed.
    if (c_.plot && ran && !io_failed) progress_.note(plot_timeline(dir_));
    if (c_.plot && !io_failed && analysis.attribution && !analysis.attribution->stacks.empty())
      progress_.note(plot_growth_flame(dir_));
    if (const auto& baseline = c_.checks.get(report::checks::kBaseline);
        c_.plot && ran && !io_failed && !baseline.empty()) {
      try {
        progress_.note(plot_baseline(dir_, report::baseline_run_dirs(baseline)));
      } catch (const Error& e) {  // the baseline vanished since the start: the check says so
        progress_.note(std::string("no baseline plot: ") + e.what());
      }
    }
    if (export_)
      note_once(export_->finish(live_figures(last_row_.t_s),
                                openmetrics::live_verdicts(analysis.checks, analysis.verdict.outcome,
                                                           static_cast<double>(sys::unix_millis()) / 1000)));
    const auto outputs = report::write_ci_outputs(analysis, dir_, c_.outputs, report::ci_environment());
    for (const auto& error : outputs.errors) progress_.note(error);
    std::fputs(outputs.annotations.c_str(), stderr);
    return {analysis.exit_code, dir_, report::closing_summary(analysis, report_path), report, ""};
  }

  void record_sampler(SamplerReport report, const std::string& name) {
    meta_.samplers[name] = std::move(report.figures);
    for (auto& check : report.checks) meta_.sampler_checks.push_back(std::move(check));
  }

  void end_early(const char* reason, const std::string& note) {
    meta_.status = "finished";
    meta_.end_reason = reason;
    meta_.ended_unix_ms = sys::unix_millis();
    meta_.notes.push_back(note);
  }

  void write_meta() { record::write_json_file(meta_path_, meta_); }

  void note_once(const std::string& text) {
    if (!text.empty()) progress_.note(text);
  }

  static constexpr int kMaxCrashNotes = 10;

  const RunConfig& c_;
  std::vector<SamplerSlot> extra_samplers_;
  ProgressPrinter progress_;
  StopPolicy stop_;
  TickClock clock_;
  RateMeter rate_;
  RecordRate records_;
  sys::SignalCatcher signals_;
  std::int64_t started_ms_ = 0;
  double t0_ = 0;
  std::optional<RunDir> run_dir_;  // holds the directory's lock until the session ends
  std::string dir_, meta_path_, marker_;
  RunSamplers samplers_;
  std::vector<std::size_t> column_counts_;
  std::vector<bool> active_;
  std::vector<double> extra_;
  record::RunMeta meta_;
  std::optional<record::SampleLogWriter> log_;
  std::optional<LogEventSink> events_;
  std::optional<load::TrafficDriver> traffic_;
  bool traffic_ended_ = false;
  std::optional<sys::Child> child_;
  std::optional<sys::Watchdog> watchdog_;  // declared after child_: released before the target is reaped
  std::optional<sys::ExitStatus> exit_status_;
  std::optional<AttachedTargets> attached_;  // --pid: the processes watched (no child_, no watchdog_)
  std::optional<LiveAnalysis> live_;         // the verdict so far (live line, interim reports)
  std::optional<sample::ProcSampler> proc_;
  std::vector<ProcessSample> processes_;
  double next_pss_ = 0, next_process_ = 0;
  std::uint64_t rss_peak_ = 0;
  analyze::BudgetCrossings crossings_;  // --abort-on budget
  std::optional<std::size_t> ebpf_peak_column_, oom_column_, cgroup_usage_column_;
  std::optional<LiveExport> export_;  // --prometheus-textfile, --metrics-listen
  TreeSample last_row_;
  std::optional<std::uint64_t> last_pss_;
  const char* abort_reason_ = nullptr;  // set once the run is decided FAIL (--abort-on)
  std::optional<DecisionWatch> watch_;  // --until-decided
  nlohmann::json plan_;                 // its plan, for meta.json
  bool decided_ = false;                // a look decided the plateau checks
  std::optional<std::size_t> heap_allocated_column_, heap_mapped_column_;
  std::string last_phase_ = "run";
  double last_tick_s_ = -1;                     // before the first tick: the schedule's first phase counts as begun
  metrics::MetricsSampler* metrics_ = nullptr;  // the metrics channel's sampler, when open
  std::size_t last_mark_ = 0;                   // the last cycle the target marked done
  double last_mark_t_ = 0;
  std::set<pid_t> crash_noted_;
  int crashes_ = 0;
  bool log_failed_said_ = false;
  std::string meta_write_error_;
};

}  // namespace

RunResult run(const RunConfig& config, std::vector<SamplerSlot> extra) {
  validate(config);
  return RunSession(config, std::move(extra)).run();
}

}  // namespace memgate::run
