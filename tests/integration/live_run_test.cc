// Watching a run while it goes on: interim reports (--report-every), what is left when
// memgate itself is SIGKILLed mid-run (the last interim report, the streamed files with
// their torn last lines, and no process of the target), and the live line without a
// terminal.
#include <signal.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

#include "integration/run_helpers.h"
#include "record/sample_log.h"
#include "sys/child.h"

namespace memgate::testing {
namespace {

namespace fs = std::filesystem;

sys::Child spawn_memgate(const std::vector<std::string>& args) {
  std::vector<std::string> argv{MEMGATE_BIN};
  argv.insert(argv.end(), args.begin(), args.end());
  return sys::Child::spawn({argv, {}, "", -1, -1});
}

// report.json when it is an interim one with a `progress` object at least `after_s` in.
std::optional<nlohmann::json> interim_report(const std::string& dir, double after_s) {
  try {
    const std::string text = slurp(dir + "/report.json");
    if (text.empty()) return std::nullopt;
    auto json = nlohmann::json::parse(text);
    if (!json.contains("progress") || json["progress"]["sampled_s"].get<double>() < after_s) return std::nullopt;
    return json;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

// The target and every process processes.csv recorded.
std::set<pid_t> recorded_pids(const std::string& dir) {
  std::set<pid_t> pids{read_json(dir + "/meta.json").value("target_pid", 0)};
  record::read_samples(dir + "/processes.csv",
                       [&](const record::SampleRow& row) { pids.insert(static_cast<pid_t>(row.get("pid"))); });
  pids.erase(0);
  return pids;
}

// Leaves the file ending in an unterminated line, as a write cut by SIGKILL does.
void tear_last_line(const std::string& path, const std::string& partial) {
  if (record::torn_last_line(path) == 0) std::ofstream(path, std::ios::app) << partial;
  ASSERT_EQ(record::torn_last_line(path), 1u) << path;
}

TEST(LiveRun, InterimReportsThenSigkillOfMemgateLeavesTheAnswerAndNoTarget) {
  const std::string base = fresh_dir("interim");
  const std::string dir = base + "/run", ready = base + "/ready";
  auto proc = spawn_memgate({"run",
                             "--out",
                             dir,
                             "--no-plot",
                             "--quiet",
                             "--hz",
                             "20",
                             "--report-every",
                             "1s",
                             "--log-segment",  // closed into compressed segments as the run goes
                             "1K",
                             "--no-data-loss",
                             "--max-rss",
                             "1G",
                             "--",
                             helper("memhog"),
                             "--alloc-mib",
                             "8",
                             "--children",
                             "2",
                             "--hold-s",
                             "60",
                             "--ready-file",
                             ready});
  ASSERT_TRUE(wait_for([&] { return fs::exists(ready); }, 10));

  // Interim reports come every second while the run goes on, each later than the last.
  std::optional<nlohmann::json> first, later;
  ASSERT_TRUE(wait_for([&] { return (first = interim_report(dir, 0.5)).has_value(); }, 10))
      << slurp(dir + "/report.json");
  const double first_s = (*first)["progress"]["sampled_s"];
  ASSERT_TRUE(wait_for([&] { return (later = interim_report(dir, first_s + 0.5)).has_value(); }, 10));
  EXPECT_TRUE(schema_errors("report", dir + "/report.json").empty()) << schema_errors("report", dir + "/report.json");
  const auto& report = *later;
  EXPECT_EQ(report["run"]["status"], "running");
  EXPECT_EQ(report["progress"]["still_going"], true);
  EXPECT_EQ(report["progress"]["report_every_s"], 1.0);
  EXPECT_EQ(report["verdict"]["outcome"], "inconclusive");  // never a pass before the end
  // The verdict of the other checks so far, and what would decide it: the RSS plateau
  // (too short yet) is named with what it needs.
  EXPECT_EQ(report["progress"]["verdict_so_far"], "inconclusive") << report["progress"].dump();
  bool plateau_named = false;
  for (const auto& c : report["progress"]["to_decide"]) plateau_named |= c["check"] == "rss-plateau";
  EXPECT_TRUE(plateau_named) << report["progress"].dump();
  EXPECT_EQ(report_check(report, "rss-budget")["outcome"], "pass");
  // No cause is invented for the accounting line that arrives only at the end.
  const auto data_loss = report_check(report, "no-data-loss");
  EXPECT_EQ(data_loss["outcome"], "inconclusive");
  EXPECT_NE(data_loss["summary"].get<std::string>().find("still going"), std::string::npos) << data_loss.dump();
  EXPECT_EQ(data_loss["summary"].get<std::string>().find("--metrics off"), std::string::npos);

  // samples.csv was closed into compressed segments, read with the live tail below.
  const auto compressed_segments = [&] {
    int n = 0;
    for (const auto& e : fs::directory_iterator(dir))
      n += e.path().filename().string().rfind("samples.csv.", 0) == 0 && e.path().extension() == ".zst";
    return n;
  };
  ASSERT_TRUE(wait_for([&] { return compressed_segments() >= 2; }, 10));

  // memgate is SIGKILLed: no process of the target outlives it (its two children neither).
  const auto pids = recorded_pids(dir);
  EXPECT_GE(pids.size(), 3u);
  ASSERT_EQ(::kill(proc.pid(), SIGKILL), 0);
  ASSERT_TRUE(proc.wait().signaled);
  for (const pid_t pid : pids)
    EXPECT_TRUE(wait_for([&] { return !alive(pid); }, 3))
        << "pid " << pid << " outlived memgate: " << slurp("/proc/" + std::to_string(pid) + "/cmdline");
  // The last interim report is still there: the run's answer up to then.
  const auto left = read_json(dir + "/report.json");
  EXPECT_EQ(left["run"]["status"], "running");
  EXPECT_TRUE(left.contains("progress"));

  // Writes cut mid-line: each streamed file's torn last line is skipped and counted.
  tear_last_line(dir + "/samples.csv", "99.5,99.5,17");
  tear_last_line(dir + "/processes.csv", "99.5,4242,mem");
  tear_last_line(dir + "/events.jsonl", "{\"t_s\":99.5,\"ki");
  // A compression cut short leaves a temp file: never read.
  std::ofstream(dir + "/samples.csv.000099.zst.tmp") << "not zstd";
  const auto recovered = memgate({"report", dir, "--in-place"});
  EXPECT_EQ(recovered.exit_code, 2) << recovered.output;
  EXPECT_EQ(recovered.output.find("PASS"), std::string::npos) << recovered.output;
  EXPECT_NE(recovered.output.find("the run did not finish (memgate stopped near t="), std::string::npos)
      << recovered.output;
  EXPECT_NE(recovered.output.find("torn last lines skipped: samples.csv 1, processes.csv 1, events.jsonl 1"),
            std::string::npos)
      << recovered.output;
  EXPECT_NE(recovered.output.find("the run did not finish: so far INCONCLUSIVE"), std::string::npos)
      << recovered.output;
  EXPECT_EQ(recovered.output.find("metrics channel was off"), std::string::npos) << recovered.output;
  const auto json = read_json(dir + "/report.json");
  EXPECT_EQ(json["progress"]["still_going"], false);
  const auto complete = report_check(json, "run-complete");
  EXPECT_EQ(complete["outcome"], "inconclusive");
  EXPECT_EQ(complete["figures"]["torn_process_lines"]["value"], 1) << complete.dump();
  EXPECT_EQ(complete["figures"]["torn_event_lines"]["value"], 1) << complete.dump();
  EXPECT_EQ(report_check(json, "rss-budget")["outcome"], "pass");  // the verdict so far is recovered
  // Every row of the compressed segments and of the live tail, not the live tail alone.
  std::size_t rows = 0;
  record::read_samples(dir + "/samples.csv", [&](const record::SampleRow&) { ++rows; });
  EXPECT_EQ(json["summary"]["samples"], rows);
  EXPECT_GT(rows, count_lines(dir + "/samples.csv"));
}

// Without a terminal the live line is a plain line every tenth of a short run, with the
// phase, the scenario clock, records/s and lag and the time left; the target's own
// output, on the same stderr, stays on lines of its own.
TEST(LiveRun, PlainProgressLinesWithoutATerminalApartFromTheTargetsOutput) {
  const std::string dir = fresh_dir("live-line");
  const nlohmann::json scenario = {
      {"name", "live-line"},
      {"target", {{"command", {"sh", "-c", "echo TARGET-SAYS-HI; echo TARGET-ERR >&2; exec wc -l"}}}},
      {"traffic",
       {{"transport", "stdin"},
        {"time_scale", 60},
        {"payload", {{"kind", "sensors"}, {"seed", 3}, {"bad_fraction", 0.0}, {"sensors", {{"air_quality", 10}}}}},
        {"stages", {{{"kind", "constant"}, {"rate", 5}, {"duration_s", 240}, {"phase", "soak hour 1"}}}}}},
      {"sampling", {{"hz", 20}}},
      {"checks", {{"plateau", "none"}}},
  };
  const std::string path = dir + "/scenario.json";
  std::ofstream(path) << scenario.dump(2);
  const auto r = memgate_split({"run", "--out", dir + "/run", "--no-plot", path});
  EXPECT_NE(r.exit_code, 3) << r.err;
  std::istringstream lines(r.err);
  std::string line;
  int progress = 0, with_traffic = 0;
  while (std::getline(lines, line)) {
    if (line.find(" | RSS ") == std::string::npos) continue;
    ++progress;
    EXPECT_LE(line.size(), 110u) << line;
    EXPECT_EQ(line.rfind("memgate: soak hour 1 @", 0), 0u) << line;
    EXPECT_NE(line.find(" left"), std::string::npos) << line;
    if (line.find(" rec/s lag ") != std::string::npos) ++with_traffic;
  }
  EXPECT_GE(progress, 3) << r.err;  // a 4 s run: a line every second
  EXPECT_GE(with_traffic, 1) << r.err;
  for (const char c : r.err) EXPECT_TRUE(c == '\n' || (static_cast<unsigned char>(c) >= 0x20 && c != 0x7f)) << r.err;
  // The target's lines are whole lines of their own (memgate's lines end with a newline).
  EXPECT_NE(("\n" + r.err).find("\nTARGET-ERR\n"), std::string::npos) << r.err;
  EXPECT_NE(r.out.find("TARGET-SAYS-HI\n"), std::string::npos) << r.out;
  // --target-log sends it to a file instead.
  const auto logged =
      memgate_split({"run", "--out", dir + "/run2", "--no-plot", "--target-log", dir + "/target.log", path});
  EXPECT_EQ(logged.err.find("TARGET-"), std::string::npos) << logged.err;
  EXPECT_NE(slurp(dir + "/target.log").find("TARGET-ERR"), std::string::npos);
}

}  // namespace
}  // namespace memgate::testing
