// run-complete: a run memgate did not see to its end is never a pass. Reported only
// when the run is incomplete, so a finished run's report is unchanged:
//   - meta.json still says "running" and a memgate is writing the directory: the run is
//     still going (no cause is guessed);
//   - "running" and no memgate holds it: memgate died (SIGKILL, OOM killer, power) and
//     the target's end is unknown;
//   - end_reason io-error: the sample log could not be written, memgate stopped the
//     target, and the data ends where the disk filled.
#include "memgate/units.h"
#include "record/run_meta.h"
#include "report/check_registry.h"
#include "report/run_series.h"

namespace memgate::report::checks {

namespace {

// "; torn last lines skipped: samples.csv 1, events.jsonl 1" (empty when none).
std::string torn_note(const RunSeries& s) {
  std::string files;
  for (const auto& [name, n] :
       {std::pair{"samples.csv", s.torn_lines}, std::pair{"processes.csv", s.torn_process_lines},
        std::pair{"events.jsonl", s.torn_event_lines}})
    if (n > 0) files += (files.empty() ? "" : ", ") + std::string(name) + " " + std::to_string(n);
  return files.empty() ? "" : "; torn last lines skipped: " + files;
}

void evaluate(const CheckInputs& in, const CheckSettings&, std::vector<CheckResult>& out) {
  const double last_t = in.summary.duration_s;
  CheckResult r;
  r.id = "run-complete";
  r.outcome = Outcome::inconclusive;
  r.figures = {{"last_sample_at", last_t, "s"},
               {"torn_lines", static_cast<double>(in.series.torn_lines), "count"},
               {"torn_process_lines", static_cast<double>(in.series.torn_process_lines), "count"},
               {"torn_event_lines", static_cast<double>(in.series.torn_event_lines), "count"}};
  if (in.meta.status == "running" && in.series.still_running) {
    r.summary =
        "the run is still going" +
        (in.meta.memgate_pid > 0 ? " (memgate pid " + std::to_string(in.meta.memgate_pid) + ")" : std::string()) +
        ", " + format_duration(last_t) + " sampled so far: report again when it has finished";
  } else if (in.meta.status == "running") {
    r.summary = "the run did not finish (memgate stopped near t=" + format_duration(last_t) +
                "): the target's end is unknown" + torn_note(in.series);
  } else if (in.meta.end_reason == record::kEndIoError) {
    r.summary = "the sample log could not be written past t=" + format_duration(last_t) +
                " (see the notes), so memgate stopped the target: the other checks cover only what was written" +
                torn_note(in.series);
  } else {
    return;
  }
  out.push_back(std::move(r));
}

}  // namespace

const CheckSpec& run_complete_check() {
  static const CheckSpec spec{"run completeness", {"run-complete"}, {}, evaluate};
  return spec;
}

}  // namespace memgate::report::checks
