// memgate's bounded-memory promise on a long run: `memgate report DIR` and
// `memgate compare --report DIR` over a 5,000,000-row samples.csv (83 minutes at 1 kHz)
// must each stay under 64 MiB of peak RSS, measured by the kernel (wait4's ru_maxrss).
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "compare/compare_json.h"
#include "compare/compare_runner.h"
#include "integration/run_helpers.h"
#include "memgate/sample.h"
#include "record/run_meta.h"
#include "record/sample_log.h"

namespace memgate::testing {
namespace {

namespace fs = std::filesystem;

constexpr std::size_t kRows = 5'000'000;
constexpr double kHz = 1000;
constexpr double kMiB = 1024.0 * 1024.0;
constexpr double kLimitBytes = 64 * kMiB;
constexpr std::uint64_t kPage = 4096;
constexpr std::uint64_t kLevel = 96 * 1024 * 1024;  // the plateau the synthetic target holds

struct Measured {
  int exit_code = -1;
  double max_rss_bytes = 0;
  std::string output;
};

// Runs memgate with output to a file and returns the kernel's peak RSS of it.
Measured measure(const std::vector<std::string>& args, const std::string& log) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    std::FILE* out = std::fopen(log.c_str(), "w");
    if (!out) ::_exit(127);
    ::dup2(::fileno(out), 1);
    ::dup2(::fileno(out), 2);
    std::vector<std::string> argv{MEMGATE_BIN};
    argv.insert(argv.end(), args.begin(), args.end());
    std::vector<char*> c_args;
    for (auto& a : argv) c_args.push_back(a.data());
    c_args.push_back(nullptr);
    ::execv(c_args[0], c_args.data());
    ::_exit(127);
  }
  Measured m;
  int status = 0;
  struct rusage usage {};
  if (::wait4(pid, &status, 0, &usage) != pid) {
    ADD_FAILURE() << "wait4 failed";
    return m;
  }
  m.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  m.max_rss_bytes = static_cast<double>(usage.ru_maxrss) * 1024.0;  // ru_maxrss is in KiB
  std::ifstream in(log);
  std::stringstream text;
  text << in.rdbuf();
  m.output = text.str();
  return m;
}

// A run directory as `memgate run --hz 1000` leaves it: a 10 % warm-up ramp, then a
// plateau with page-sized jitter, written by the project's own sample-log writer.
void write_long_run(const std::string& dir, const std::string& plateau_metrics) {
  fs::create_directories(dir);
  {
    record::SampleLogWriter log(dir, {}, 0);  // one plain file: the test counts its lines
    TreeSample s;
    s.processes = 1;
    s.fds = 8;
    s.threads = 2;
    for (std::size_t i = 0; i < kRows; ++i) {
      s.t_s = static_cast<double>(i) / kHz;
      s.wall_ms = 1'800'000'000'000 + static_cast<std::int64_t>(i);
      const std::uint64_t jitter = (i * 7919 % 64) * kPage;
      s.rss_bytes = i < kRows / 10 ? kLevel * i / (kRows / 10) / kPage * kPage + jitter : kLevel + jitter;
      s.rss_anon_bytes = s.rss_bytes;
      s.hwm_max_bytes = std::max(s.hwm_max_bytes, s.rss_bytes);
      s.minor_faults = i;
      s.cpu_seconds = s.t_s / 2;
      log.write_tree(s, "run", s.t_s, {});
    }
    log.write_event(0, "start");
    log.maybe_flush(0, true);
  }
  record::RunMeta meta;
  meta.command = {"synthetic-plateau"};
  meta.host = "synthetic";
  meta.memgate_version = MEMGATE_VERSION;
  meta.started_unix_ms = 1'800'000'000'000;
  meta.ended_unix_ms = meta.started_unix_ms + static_cast<std::int64_t>(kRows);
  meta.hz = kHz;
  meta.pss_hz = 0;
  meta.process_hz = 1;
  meta.status = "finished";
  meta.end_reason = "duration";
  meta.stopped_by_memgate = true;
  meta.checks = {{"plateau", nlohmann::json::parse(plateau_metrics)}};
  record::write_json_file(dir + "/" + record::kMetaFile, meta);
}

// A comparison directory as `memgate compare` leaves it (compare.json with its plan)
// holding two runs of one variant over the same samples: one judged with the
// rss-plateau check (its steady level), one without, so that compare's steady RSS
// comes from summary.rss_second_half.
void write_comparison(const std::string& dir) {
  write_long_run(dir + "/glibc-1", R"(["rss","fds"])");
  fs::create_directories(dir + "/glibc-2");
  for (const char* file : {record::kSamplesFile, record::kProcessesFile, record::kEventsFile})
    fs::create_hard_link(dir + "/glibc-1/" + file, dir + "/glibc-2/" + file);
  auto meta = read_json(dir + "/glibc-1/meta.json");
  meta["checks"]["plateau"] = {"fds"};
  record::write_json_file(dir + "/glibc-2/meta.json", meta);

  compare::CompareManifest m;
  m.workload = "command synthetic-plateau";
  m.repeat = 2;
  m.variants = {{"glibc", "glibc", {}}};
  m.plan = {{0, 1, "glibc-1"}, {0, 2, "glibc-2"}};
  m.status = "finished";
  record::write_json_file(dir + "/" + compare::kCompareJson, compare::to_json(m, {}, {}, {}));
}

struct RemovedAfterwards {
  std::string dir;
  ~RemovedAfterwards() { fs::remove_all(dir); }
};

// One test, because generating the 550 MB log is most of its time.
TEST(BoundedMemory, ReportAndCompareStayUnder64MiBOnFiveMillionSamples) {
  const RemovedAfterwards temp{fresh_dir("bounded")};
  const std::string& dir = temp.dir;
  write_comparison(dir);
  ASSERT_EQ(count_lines(dir + "/glibc-1/samples.csv"), kRows + 1);
  for (const char* run : {"glibc-1", "glibc-2"}) {
    const auto r = measure({"report", dir + "/" + run, "--in-place"}, dir + "/" + run + ".log");
    EXPECT_EQ(r.exit_code, 0) << r.output;  // a flat plateau over 75 minutes passes
    EXPECT_LT(r.max_rss_bytes, kLimitBytes)
        << "memgate report " << run << " peaked at " << r.max_rss_bytes / kMiB << " MiB";
    std::printf("memgate report %s: peak RSS %.1f MiB\n", run, r.max_rss_bytes / kMiB);
    const auto report = read_json(dir + "/" + run + "/report.json");
    const auto& half = report["summary"]["rss_second_half"];
    ASSERT_TRUE(half.is_object()) << report["summary"].dump();
    EXPECT_EQ(half["samples"], kRows / 2);
    EXPECT_DOUBLE_EQ(half["from_s"].get<double>(), static_cast<double>(kRows - 1) / kHz / 2);
    // The jitter is uniform over 0..63 pages: the median is the level plus ~31.5 pages.
    const double expected = kLevel + 31.5 * kPage;
    EXPECT_NEAR(half["median"].get<double>(), expected, expected * 1e-3);
  }

  const auto c = measure({"compare", "--report", dir, "--no-plot"}, dir + "/compare.log");
  EXPECT_EQ(c.exit_code, 0) << c.output;
  EXPECT_LT(c.max_rss_bytes, kLimitBytes) << "memgate compare peaked at " << c.max_rss_bytes / kMiB << " MiB";
  std::printf("memgate compare --report: peak RSS %.1f MiB\n", c.max_rss_bytes / kMiB);
  auto j = read_json(dir + "/compare.json");
  ASSERT_EQ(j["runs"].size(), 2u) << j.dump();
  // Both runs are read over the same window, whatever their own checks found.
  for (const auto& run : j["runs"])
    EXPECT_EQ(run["steady_basis"].get<std::string>().rfind("median RSS over the steady window [", 0), 0u) << run.dump();
  for (const auto& run : j["runs"]) {
    ASSERT_TRUE(run["values"].contains("steady_rss_bytes")) << run.dump();
    EXPECT_NEAR(run["values"]["steady_rss_bytes"].get<double>(), kLevel + 31.5 * kPage, 64.0 * kPage) << run.dump();
  }

  // A report.json written before summary.rss_second_half existed: the common windows
  // come from the samples (one bounded streaming pass), so nothing is left out.
  const std::string old_run = dir + "/glibc-2";
  auto report = read_json(old_run + "/report.json");
  report["summary"].erase("rss_second_half");
  record::write_json_file(old_run + "/report.json", report);
  const auto old = measure({"compare", "--report", dir, "--no-plot"}, dir + "/compare-old.log");
  EXPECT_EQ(old.exit_code, 0) << old.output;
  EXPECT_LT(old.max_rss_bytes, kLimitBytes) << "memgate compare peaked at " << old.max_rss_bytes / kMiB << " MiB";
  EXPECT_EQ(old.output.find("left out"), std::string::npos) << old.output;
  j = read_json(dir + "/compare.json");
  EXPECT_TRUE(j["runs"][1]["values"].contains("steady_rss_bytes")) << j["runs"][1].dump();
}

}  // namespace
}  // namespace memgate::testing
