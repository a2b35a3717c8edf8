#include "run/live_analysis.h"

#include <algorithm>
#include <cmath>
#include <utility>
#include <exception>

#include "memgate/units.h"
#include "record/json_file.h"
#include "report/report_json.h"
#include "report/so_far.h"
#include "sys/host.h"

namespace memgate::run {

namespace {
constexpr double kDefaultEveryS = 15 * 60;
constexpr double kLongRunS = 3600;
constexpr double kCostFactor = 20;  // a refresh at most every 20 passes' time: <= 5 % of a core
}  // namespace

double report_interval(std::optional<double> every_s, std::optional<double> planned_s) {
  if (every_s) return std::max(0.0, *every_s);
  return planned_s && *planned_s > kLongRunS ? kDefaultEveryS : 0;
}

LiveAnalysis::LiveAnalysis(Options options)
    : o_(std::move(options)),
      next_refresh_s_(o_.first_refresh_s),
      next_report_s_(o_.report_every_s > 0 ? o_.report_every_s : INFINITY),
      worker_([this] { work(); }) {}

LiveAnalysis::~LiveAnalysis() { stop(); }

void LiveAnalysis::tick(double now_s, const record::RunMeta& meta, const std::function<void()>& flush) {
  const bool report_due = now_s >= next_report_s_;
  if (!report_due && now_s < next_refresh_s_) return;
  {
    std::lock_guard lock(mutex_);
    if (busy_ || job_ || stopping_) return;  // the pass in flight is the refresh
    next_refresh_s_ = now_s + std::max(o_.min_refresh_s, kCostFactor * cost_.last_s);
  }
  if (report_due) next_report_s_ = now_s + o_.report_every_s;
  flush();
  {
    std::lock_guard lock(mutex_);
    job_ = Job{meta, now_s, report_due};
  }
  wake_.notify_one();
}

void LiveAnalysis::work() {
  for (;;) {
    Job job;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [&] { return stopping_ || job_; });
      if (stopping_) return;
      job = std::move(*job_);
      job_.reset();
      busy_ = true;
    }
    refresh(job);
    std::lock_guard lock(mutex_);
    busy_ = false;
  }
}

void LiveAnalysis::refresh(const Job& job) {
  const double started = sys::monotonic_seconds();
  std::shared_ptr<report::RunAnalysis> analysis;
  std::string note;
  bool written = false;
  try {
    analysis = std::make_shared<report::RunAnalysis>(report::analyze_run_dir(o_.dir, o_.checks, &job.meta));
    report::set_inconclusive_policy(*analysis, o_.outputs.inconclusive);
    if (job.write) {
      const std::string path = o_.dir + "/" + report::kReportFile;
      auto json = report::report_json(*analysis, o_.checks);
      if (json.contains("progress")) json["progress"]["report_every_s"] = o_.report_every_s;
      record::write_json_file(path, json);
      written = true;
      report::OutputOptions interim;  // the summary only: JUnit and CI annotations are for the end
      interim.summary_path = o_.outputs.summary_path;
      interim.inconclusive = o_.outputs.inconclusive;
      const auto outputs = report::write_ci_outputs(*analysis, o_.dir, interim, {});
      note = "interim report at t=" + format_duration(job.at_s) + ": " + report::so_far_text(*analysis) + ": " + path;
      for (const auto& error : outputs.errors) note += "; " + error;
    }
    // Held until the next refresh: only what the live line and the exporter read.
    report::keep_verdict_only(*analysis);
  } catch (const std::exception& e) {
    // The run goes on; its final report is what counts.
    note = std::string("interim analysis failed: ") + e.what();
    analysis.reset();
  }
  const double cost_s = sys::monotonic_seconds() - started;
  std::lock_guard lock(mutex_);
  ++cost_.refreshes;
  cost_.last_s = cost_s;
  cost_.max_s = std::max(cost_.max_s, cost_s);
  cost_.total_s += cost_s;
  if (written) ++cost_.reports;
  if (analysis) {
    latest_ = std::move(analysis);
    latest_unix_s_ = static_cast<double>(sys::unix_millis()) / 1000;
  } else {
    ++cost_.failures;
  }
  if (!note.empty()) notes_.push_back(std::move(note));
}

std::shared_ptr<const report::RunAnalysis> LiveAnalysis::latest() const {
  std::lock_guard lock(mutex_);
  return latest_;
}

std::optional<openmetrics::LiveVerdicts> LiveAnalysis::latest_verdicts() const {
  std::lock_guard lock(mutex_);
  if (!latest_) return std::nullopt;
  return openmetrics::live_verdicts(latest_->checks, latest_->verdict.outcome, latest_unix_s_);
}

std::vector<std::string> LiveAnalysis::take_notes() {
  std::lock_guard lock(mutex_);
  return std::exchange(notes_, {});
}

void LiveAnalysis::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  if (worker_.joinable()) worker_.join();
}

LiveAnalysis::Cost LiveAnalysis::cost() const {
  std::lock_guard lock(mutex_);
  return cost_;
}

}  // namespace memgate::run
