#include "report/report_json.h"

#include "memgate/check_json.h"
#include "record/run_meta.h"
#include "report/attribution_output.h"
#include "report/inconclusive_policy.h"
#include "report/so_far.h"
#include "sys/host.h"

namespace memgate::report {

namespace {

nlohmann::json metric(const MetricSummary& m, const char* unit) {
  if (m.samples == 0) return nullptr;
  return {{"unit", unit},  {"samples", m.samples},    {"min", m.min},     {"median", m.median}, {"mean", m.mean},
          {"peak", m.max}, {"peak_at_s", m.max_at_s}, {"first", m.first}, {"final", m.last}};
}

}  // namespace

nlohmann::json report_json(const RunAnalysis& a, const CheckSettings& settings) {
  const auto& m = a.meta;
  nlohmann::json target = {{"pid", m.target_pid}, {"stopped_by_memgate", m.stopped_by_memgate}};
  if (m.target_end) {
    target["exit_code"] = m.target_end->signaled ? nlohmann::json(nullptr) : nlohmann::json(m.target_end->exit_code);
    target["signal"] = m.target_end->signaled ? nlohmann::json(m.target_end->signal_name) : nlohmann::json(nullptr);
    target["core_dumped"] = m.target_end->core_dumped;
    target["description"] = m.target_end->description;
  }
  target["mode"] = m.attached.empty() ? "spawned" : "attached";
  if (!m.attached.empty()) {
    // Not memgate's child: how it ended is its parent's to know, never a crash or a pass-blocker here.
    target["exit_code"] = nullptr;
    target["description"] = "exit status unknown: memgate attached to it (--pid) and did not start it";
    target["attached"] = record::attached_json(m.attached);
  }
  target["problem"] = a.target_problem.empty() ? nlohmann::json(nullptr) : nlohmann::json(a.target_problem);

  nlohmann::json checks = nlohmann::json::array();
  for (const auto& c : a.checks) checks.push_back(c);

  const auto& s = a.summary;
  nlohmann::json out = {
      {"schema", kReportSchema},
      {"memgate_version", MEMGATE_VERSION},
      {"run",
       {{"command", m.command},
        {"environment", m.environment},
        {"host", m.host},
        {"kernel", m.kernel},
        {"cwd", m.cwd},
        {"started_at", sys::iso8601_utc(m.started_unix_ms)},
        {"ended_at", m.ended_unix_ms ? nlohmann::json(sys::iso8601_utc(m.ended_unix_ms)) : nlohmann::json(nullptr)},
        {"duration_s", s.duration_s},
        {"planned_duration_s", m.planned_duration_s ? nlohmann::json(*m.planned_duration_s) : nlohmann::json(nullptr)},
        {"status", m.status},
        {"end_reason", m.end_reason},
        {"sampling", {{"hz", m.hz}, {"pss_hz", m.pss_hz}, {"process_hz", m.process_hz}}},
        {"target", target},
        {"scenario", m.scenario},
        {"notes", m.notes}}},
      {"summary",
       {{"samples", s.samples},
        {"rss", metric(s.rss, "bytes")},
        {"pss", metric(s.pss, "bytes")},
        {"hwm_max", metric(s.hwm_max, "bytes")},
        {"swap", metric(s.swap, "bytes")},
        {"fds", metric(s.fds, "count")},
        {"threads", metric(s.threads, "count")},
        {"processes", metric(s.processes, "count")},
        {"rss_second_half", a.rss_second_half ? nlohmann::json{{"from_s", a.rss_second_half->from_s},
                                                               {"samples", a.rss_second_half->samples},
                                                               {"median", a.rss_second_half->median}}
                                              : nlohmann::json(nullptr)},
        {"minor_faults", s.minor_faults},
        {"major_faults", s.major_faults},
        {"cpu_s", s.cpu_s}}},
      {"samplers", m.samplers},
      {"peaks", a.peaks},  // eBPF exact peaks beside /proc's, per process and tree-wide
      {"attribution", attribution_json(a.series, a.attribution ? to_json(*a.attribution) : nlohmann::json(nullptr))},
      {"check_settings", to_json(settings)},
      {"checks", checks},
      {"verdict",
       {{"outcome", to_string(a.verdict.outcome)},
        {"reason", a.verdict.reason},
        {"exit_code", static_cast<int>(a.exit_code)},
        {"inconclusive_policy", to_string(a.inconclusive)}}},
  };
  if (!m.until_decided.is_null()) out["run"]["until_decided"] = m.until_decided;  // --until-decided only
  // Only for a run that has not finished: finished runs' reports are unchanged.
  if (auto progress = progress_json(a); !progress.is_null()) out["progress"] = std::move(progress);
  return out;
}

void write_report(const std::string& dir, const RunAnalysis& analysis, const CheckSettings& settings) {
  write_report_file(dir + "/" + kReportFile, analysis, settings);
}

void write_report_file(const std::string& path, const RunAnalysis& analysis, const CheckSettings& settings) {
  record::write_json_file(path, report_json(analysis, settings));
}

}  // namespace memgate::report
