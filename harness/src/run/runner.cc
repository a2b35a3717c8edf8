#include "run/runner.h"

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <csignal>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "memgate/error.h"
#include "memgate/units.h"
#include "metrics/metrics_sampler.h"
#include "record/run_meta.h"
#include "record/sample_log.h"
#include "report/report_json.h"
#include "report/run_analysis.h"
#include "report/terminal.h"
#include "run/plot.h"
#include "run/run_dir.h"
#include "sample/proc_sampler.h"
#include "sys/child.h"
#include "sys/host.h"
#include "sys/pipe.h"
#include "sys/signals.h"

extern char** environ;

namespace memgate::run {

namespace {

record::RunMeta initial_meta(const RunOptions& o, std::int64_t started_ms) {
  record::RunMeta m;
  m.command = o.command;
  // memgate's environment, then what the target gets on top of it (allocator, knobs).
  const auto record_env = [&m](const std::string& entry) {
    const auto eq = entry.find('=');
    if (record::is_memory_relevant_env(entry.substr(0, eq))) m.environment[entry.substr(0, eq)] = entry.substr(eq + 1);
  };
  for (char** e = environ; *e; ++e) record_env(*e);
  for (const auto& entry : o.env_set) record_env(entry);
  m.host = sys::hostname();
  m.kernel = sys::kernel_release();
  m.cwd = std::filesystem::current_path().string();
  m.memgate_version = MEMGATE_VERSION;
  m.started_unix_ms = started_ms;
  m.hz = o.hz;
  m.pss_hz = o.pss_hz;
  m.process_hz = o.process_hz;
  m.planned_duration_s = o.duration_s;
  m.checks = report::to_json(o.checks);
  m.scenario = o.scenario;
  return m;
}

// The FIFO lives in the run directory; one left by a memgate that was killed is ours to replace.
// Its path is absolute: the target may run in another directory (a scenario's).
void attach_metrics_channel(RunOptions& o, const std::string& dir) {
  const std::string fifo = std::filesystem::absolute(dir + "/metrics.fifo").string();
  struct stat st {};
  if (::lstat(fifo.c_str(), &st) == 0 && S_ISFIFO(st.st_mode)) ::unlink(fifo.c_str());
  metrics::MetricsOptions m;
  m.fifo_path = fifo;
  m.fields = o.metric_fields;
  auto sampler = std::make_unique<metrics::MetricsSampler>(std::move(m));
  o.env_set.push_back(sampler->env_for_target());  // before the spawn
  o.samplers.push_back(std::move(sampler));
}

record::TargetEnd target_end(const sys::ExitStatus& s) {
  return {s.signaled, s.code, s.signal, s.signaled ? sys::signal_name(s.signal) : "", s.core_dumped, s.describe()};
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
class ProgressPrinter {
 public:
  explicit ProgressPrinter(bool quiet) : quiet_(quiet), tty_(::isatty(STDERR_FILENO)) {}

  void update(const report::Progress& p, double now_s) {
    if (quiet_ || now_s < next_print_s_) return;
    next_print_s_ = now_s + (tty_ ? 0.25 : 10.0);
    const std::string line = report::progress_line(p);
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
  double next_print_s_ = 0;
};

// The traffic driver's figures; a sender that failed (could not connect...) becomes a
// failed "traffic" check so the verdict cannot pass on load that never arrived.
nlohmann::json traffic_figures(nlohmann::json figures) {
  if (figures.contains("error")) {
    figures["checks"] = nlohmann::json::array(
        {{{"id", "traffic"}, {"outcome", "fail"}, {"summary", "the load could not be delivered: " + figures["error"].get<std::string>()},
          {"figures", nlohmann::json::object()}}});
  }
  return figures;
}

// Opened before the spawn, so that a bad path is a usage error rather than a target
// that "failed to start"; -1 when the target shares memgate's stdout and stderr.
int open_target_log(const std::string& path) {
  if (path.empty()) return -1;
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) throw Error(ExitCode::usage, errno_message("cannot write the target log " + path, errno) + " (choose a writable path)");
  return fd;
}

}  // namespace

RunResult run(RunOptions& o) {
  if (!(o.hz > 0 && o.hz <= 1000)) throw Error(ExitCode::usage, "--hz must be in (0, 1000]");
  if (o.pss_hz < 0 || o.pss_hz > o.hz) throw Error(ExitCode::usage, "--pss-hz must be between 0 and --hz");
  if (o.process_hz < 0 || o.process_hz > o.hz) throw Error(ExitCode::usage, "--process-hz must be between 0 and --hz");
  if (o.duration_s && !(*o.duration_s > 0)) throw Error(ExitCode::usage, "--duration must be positive");

  const std::int64_t started_ms = sys::unix_millis();
  RunResult result;
  result.out_dir = prepare_run_dir(o.out_dir, started_ms);
  const std::string& dir = result.out_dir;
  const std::string meta_path = dir + "/" + record::kMetaFile;
  if (o.metrics_channel) attach_metrics_channel(o, dir);

  std::vector<std::string> extra_columns;
  std::vector<std::size_t> column_counts;
  for (const auto& s : o.samplers) {
    auto columns = s->columns();
    column_counts.push_back(columns.size());
    extra_columns.insert(extra_columns.end(), columns.begin(), columns.end());
  }

  record::RunMeta meta = initial_meta(o, started_ms);
  record::SampleLogWriter log(dir, extra_columns);
  if (o.traffic) log.set_time_scale(o.traffic->time_scale);  // events carry scenario time too
  record::write_json_file(meta_path, meta);
  LogEventSink events(log);
  ProgressPrinter progress(o.quiet);
  sys::SignalCatcher signals;

  sys::become_subreaper();
  const double t0 = sys::monotonic_seconds();
  std::optional<load::TrafficDriver> traffic;
  if (o.traffic) traffic.emplace(*o.traffic);  // validates the schedule before anything starts
  sys::Pipe stdin_pipe;
  const bool feeds_stdin = o.traffic && o.traffic->transport.kind == load::TransportSpec::Kind::stdin_pipe;
  if (feeds_stdin) stdin_pipe = sys::Pipe::create();
  const int target_log = open_target_log(o.target_log);
  std::optional<sys::Child> child;
  try {
    child.emplace(sys::Child::spawn({o.command, o.env_set, o.cwd, feeds_stdin ? stdin_pipe.read_end() : -1, target_log}));
    if (target_log >= 0) ::close(target_log);
  } catch (const Error& e) {
    if (target_log >= 0) ::close(target_log);
    // Keep the evidence: the run directory says what was attempted and why it failed.
    meta.status = "finished";
    meta.end_reason = "start-failed";
    meta.ended_unix_ms = sys::unix_millis();
    meta.notes.push_back(e.what());
    log.write_event(0, "start-failed", {{"error", e.what()}});
    log.maybe_flush(0, true);
    record::write_json_file(meta_path, meta);
    throw;
  }
  meta.target_pid = child->pid();
  log.write_event(0, "start", {{"pid", child->pid()}, {"command", o.command}});
  stdin_pipe.close_read_end();  // the target holds it now: EOF reaches it when the driver closes its end
  if (traffic) traffic->start(feeds_stdin ? stdin_pipe.release_write_end() : -1);
  double traffic_done_at = INFINITY;
  record::write_json_file(meta_path, meta);

  // A sampler that cannot attach fails the run, unless it is optional: then its columns
  // stay empty and the report says why.
  std::vector<bool> active(o.samplers.size(), true);
  for (std::size_t i = 0; i < o.samplers.size(); ++i) {
    try {
      o.samplers[i]->start(child->pid(), events);
    } catch (const Error& e) {
      const std::string name = o.samplers[i]->name();
      if (!o.optional_samplers.count(name)) {
        meta.notes.push_back(name + " sampler failed: " + e.what());
        meta.status = "finished";
        meta.end_reason = "sampler-failed";
        record::write_json_file(meta_path, meta);
        throw;
      }
      active[i] = false;
      meta.notes.push_back(name + " sampler unavailable (" + e.what() + "); its columns stay empty");
      progress.note(meta.notes.back());
    }
  }

  sample::ProcSampler proc(child->pid());
  std::vector<ProcessSample> processes;
  std::vector<double> extra(extra_columns.size());
  const double period = 1.0 / o.hz;
  const double pss_period = o.pss_hz > 0 ? 1.0 / o.pss_hz : INFINITY;
  const double process_period = o.process_hz > 0 ? 1.0 / o.process_hz : INFINITY;
  double next_pss = 0, next_process = 0;
  std::uint64_t tick = 0, missed_ticks = 0;
  std::uint64_t rss_peak = 0;
  double rate_window_start = 0;
  std::uint64_t rate_window_ticks = 0;
  double achieved_hz = 0;
  bool stopping = false;
  double kill_at = INFINITY;
  std::optional<sys::ExitStatus> exit_status;
  std::string last_phase = "run";

  const auto begin_stop = [&](int sig, const std::string& reason, double now) {
    if (!stopping) {
      stopping = true;
      meta.stopped_by_memgate = true;
      meta.end_reason = reason;
      kill_at = now + o.stop_grace_s;
      child->signal_group(sig);
      log.write_event(now, "stop", {{"signal", sys::signal_name(sig)}, {"reason", reason}});
    } else if (reason == "interrupted") {
      kill_at = now;  // a second Ctrl-C means now
    }
  };

  for (;;) {
    const double now = sys::monotonic_seconds() - t0;

    TreeSample sample = proc.sample(now, now >= next_pss, processes);
    if (now >= next_pss) next_pss = now + pss_period;
    sample.wall_ms = sys::unix_millis();
    std::fill(extra.begin(), extra.end(), NAN);
    std::size_t offset = 0;
    for (std::size_t i = 0; i < o.samplers.size(); ++i) {
      const std::size_t n = column_counts[i];
      if (active[i]) o.samplers[i]->tick(now, std::span<double>(extra).subspan(offset, n), events);
      offset += n;
    }
    const std::string phase = traffic ? traffic->phase_at(now) : "run";
    const std::string from_phase = last_phase;
    if (phase != last_phase) {
      log.write_event(now, "phase", {{"phase", phase}, {"from", last_phase}});
      last_phase = phase;
    }
    log.write_tree(sample, phase, traffic ? traffic->scenario_time_at(now) : now, extra);
    if (phase != from_phase && tick > 0 && o.on_phase_change) o.on_phase_change(now, from_phase, phase, events);
    if (now >= next_process) {
      log.write_processes(now, processes);
      next_process = now + process_period;
    }
    log.maybe_flush(now);

    rss_peak = std::max({rss_peak, sample.rss_bytes});
    ++rate_window_ticks;
    if (now - rate_window_start >= 1.0) {
      achieved_hz = static_cast<double>(rate_window_ticks) / (now - rate_window_start);
      rate_window_start = now;
      rate_window_ticks = 0;
    }
    progress.update({now, o.duration_s, sample.rss_bytes, rss_peak, sample.fds, sample.processes, achieved_hz}, now);

    if ((exit_status = child->poll())) break;

    if (const int sig = signals.take()) begin_stop(sig, "interrupted", now);
    // With traffic, --duration is how long load is sent; when the load is over (schedule
    // done, duration reached, or interrupted), the target gets drain_s to finish on its
    // own (a stdin reader sees EOF) before it is stopped.
    const bool duration_over = o.duration_s && now >= *o.duration_s;
    if (duration_over && !traffic) begin_stop(SIGTERM, "duration", now);
    if (traffic && traffic_done_at == INFINITY && (traffic->finished() || stopping || duration_over)) {
      meta.samplers["traffic"] = traffic_figures(traffic->stop());
      traffic_done_at = now;
      log.write_event(now, "traffic-done", {});
    }
    if (now >= traffic_done_at + o.drain_s) begin_stop(SIGTERM, "traffic-done", now);
    if (now >= kill_at) {
      child->signal_group(SIGKILL);
      log.write_event(now, "kill", {{"reason", "the target ignored SIGTERM for " + format_duration(o.stop_grace_s)}});
      kill_at = INFINITY;
    }

    // Absolute deadlines: a slow sample delays one tick, it does not shift the schedule.
    ++tick;
    double deadline = static_cast<double>(tick) * period;
    const double after = sys::monotonic_seconds() - t0;
    if (after > deadline) {
      const auto skipped = static_cast<std::uint64_t>((after - deadline) / period) + 1;
      missed_ticks += skipped;
      tick += skipped;
      deadline = static_cast<double>(tick) * period;
    }
    sys::sleep_until(t0 + deadline);
  }
  progress.finish();
  if (traffic && traffic_done_at == INFINITY) meta.samplers["traffic"] = traffic_figures(traffic->stop());

  // Processes of the group that outlive the target get a moment to exit on their own
  // (they may have received the same SIGTERM) before they count as left behind.
  const bool group_gone = child->reap_group(0.2);
  const double end_s = sys::monotonic_seconds() - t0;
  if (!group_gone) {
    // The target left processes behind in its group: they are part of what it did, but
    // a harness must not leak load into the next run.
    log.write_event(end_s, "orphans-killed", {});
    meta.notes.push_back("the target exited but left processes in its group; memgate killed them");
  }
  child.reset();  // kills whatever of the group is left
  if (meta.end_reason.empty()) meta.end_reason = "target-exited";
  meta.target_end = target_end(*exit_status);
  log.write_event(end_s, "exit", {{"description", exit_status->describe()}});

  for (std::size_t i = 0; i < o.samplers.size(); ++i)
    if (active[i]) meta.samplers[o.samplers[i]->name()] = o.samplers[i]->stop(end_s, events);
  rusage self{};
  ::getrusage(RUSAGE_SELF, &self);
  meta.samplers["proc"] = {{"ticks", log.rows()},
                           {"missed_ticks", missed_ticks},
                           {"processes_seen", proc.processes_seen()},
                           {"memgate_cpu_s", static_cast<double>(self.ru_utime.tv_sec + self.ru_stime.tv_sec) +
                                                 1e-6 * static_cast<double>(self.ru_utime.tv_usec + self.ru_stime.tv_usec)},
                           {"memgate_max_rss_bytes", static_cast<std::uint64_t>(self.ru_maxrss) * 1024}};
  if (missed_ticks > 0)
    meta.notes.push_back(std::to_string(missed_ticks) + " sample ticks were missed (sampling slower than --hz)");
  meta.status = "finished";
  meta.ended_unix_ms = sys::unix_millis();
  log.maybe_flush(end_s, true);
  record::write_json_file(meta_path, meta);

  const auto analysis = report::analyze_run_dir(dir, o.checks);
  report::write_report(dir, analysis, o.checks);
  if (!o.junit_path.empty()) {
    std::ofstream junit(o.junit_path);
    junit << report::junit_xml(analysis);
    if (!junit) progress.note("cannot write JUnit file " + o.junit_path);
  }
  if (o.plot) progress.note(plot_timeline(dir));
  result.exit_code = analysis.exit_code;
  result.summary = report::closing_summary(analysis, dir);
  return result;
}

}  // namespace memgate::run
