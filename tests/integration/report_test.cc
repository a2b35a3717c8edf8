// `memgate report DIR` on run directories written with the real sample-log writer from
// synthetic series: the plateau and burst-recovery checks are wired to the right data,
// and verdicts can be recomputed with other settings without re-running anything.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <random>

#include "integration/run_helpers.h"
#include "record/run_meta.h"
#include "record/sample_log.h"

namespace memgate::testing {
namespace {

constexpr double kMiB = 1024.0 * 1024.0;

// Writes a finished run of `seconds` at 10 Hz whose RSS is rss(t) plus AR(1) noise and,
// when `heap` is given, with the allocator probe's alloc_allocated_bytes column.
std::string synthetic_run(
    const std::string& tag, double seconds, const std::function<double(double)>& rss,
    const std::function<std::string(double)>& phase = [](double) { return "run"; },
    const std::function<double(double)>& heap = nullptr) {
  const std::string dir = fresh_dir(tag);
  record::RunMeta meta;
  meta.command = {"synthetic", tag};
  meta.status = "finished";
  meta.end_reason = "target-exited";
  meta.hz = 10;
  meta.target_end = record::TargetEnd{false, 0, 0, "", false, "exited with status 0"};
  record::write_json_file(dir + "/" + record::kMetaFile, meta);
  record::SampleLogWriter log(dir,
                              heap ? std::vector<std::string>{"alloc_allocated_bytes"} : std::vector<std::string>{});
  std::mt19937_64 rng(42);
  std::normal_distribution<double> noise(0, 0.3 * kMiB);
  double ar = 0;
  for (int i = 0; i <= static_cast<int>(seconds * 10); ++i) {
    const double t = i / 10.0;
    ar = 0.9 * ar + noise(rng);
    TreeSample s;
    s.t_s = t;
    s.processes = 1;
    s.rss_bytes = static_cast<std::uint64_t>(rss(t) + ar);
    s.hwm_max_bytes = s.rss_bytes;
    s.fds = 12;
    s.threads = 3;
    log.write_tree(s, phase(t), t, heap ? std::vector<double>{std::round(heap(t) + 0.5 * ar)} : std::vector<double>{});
  }
  log.maybe_flush(0, true);
  return dir;
}

nlohmann::json check(const nlohmann::json& report, const std::string& id) { return report_check(report, id); }

TEST(Report, SteadyMemoryPassesThePlateauCheck) {
  const auto dir = synthetic_run("flat", 600, [](double) { return 200 * kMiB; });
  const auto r = memgate({"report", dir, "--in-place"});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  const auto report = read_json(dir + "/report.json");
  EXPECT_EQ(check(report, "rss-plateau")["outcome"], "pass");
  EXPECT_EQ(check(report, "fd-plateau")["outcome"], "pass");
}

TEST(Report, LeakFailsThePlateauCheckWithItsSlope) {
  // 200 MiB growing 60 MiB/h (30 %/h): ten minutes is plenty to see it.
  const auto dir = synthetic_run("leak", 600, [](double t) { return 200 * kMiB + 60 * kMiB * t / 3600; });
  const auto r = memgate({"report", dir, "--in-place", "--max-rss", "1G"});
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("rss-plateau"), std::string::npos) << r.output;
  const auto c = check(read_json(dir + "/report.json"), "rss-plateau");
  EXPECT_EQ(c["outcome"], "fail");
  EXPECT_NEAR(c["figures"]["slope_per_h"]["value"].get<double>(), 60 * kMiB, 15 * kMiB);
  // Against the 1 GiB budget, time to limit is about (1024 - 210) MiB / 60 MiB/h.
  ASSERT_TRUE(c["figures"].contains("time_to_limit_s")) << c.dump();
  EXPECT_NEAR(c["figures"]["time_to_limit_s"]["value"].get<double>(), (1024.0 - 210) / 60 * 3600, 3 * 3600);

  // A generous tolerance turns the same data into a pass; --plateau none removes the check.
  EXPECT_EQ(memgate({"report", dir, "--in-place", "--tolerance", "100MiB/h"}).exit_code, 0);
  const auto none = memgate({"report", dir, "--in-place", "--plateau", "none"});
  EXPECT_EQ(none.exit_code, 0) << none.output;
}

TEST(Report, ShortRunIsInconclusive) {
  const auto dir = synthetic_run("short", 20, [](double t) { return 200 * kMiB + 60 * kMiB * t / 3600; });
  const auto r = memgate({"report", dir, "--in-place"});
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_EQ(check(read_json(dir + "/report.json"), "rss-plateau")["outcome"], "inconclusive");
}

TEST(Report, ABlatantLeakFailsAFortySecondRun) {
  // 1 MiB kept every 0.2 s on a 12 MiB interpreter (~18 GiB/h): a window shorter than the
  // usual 60 s still FAILs it (docs/plateau.md, "Blatant leaks in short runs").
  const auto dir = synthetic_run("blatant", 40, [](double t) { return 12 * kMiB + kMiB * std::floor(t / 0.2); });
  const auto r = memgate({"report", dir, "--in-place"});
  EXPECT_EQ(r.exit_code, 1) << r.output;
  const auto c = check(read_json(dir + "/report.json"), "rss-plateau");
  EXPECT_EQ(c["outcome"], "fail") << c.dump();
  EXPECT_NE(c["summary"].get<std::string>().find("unless the leak is blatant"), std::string::npos) << c.dump();
}

TEST(Report, BurstRecoveryIsJudgedWhenTheLogHasABurstPhase) {
  const auto phase = [](double t) { return t < 120 ? "nominal" : t < 180 ? "burst" : "recovery"; };
  // Full recovery: back to 200 MiB within 20 s of the burst's end.
  const auto recovered = synthetic_run(
      "recovered", 480,
      [](double t) {
        return 200 * kMiB + (t >= 120 && t < 180 ? 300 * kMiB : t >= 180 && t < 200 ? 300 * kMiB * (200 - t) / 20 : 0);
      },
      phase);
  EXPECT_EQ(memgate({"report", recovered, "--in-place", "--plateau", "none"}).exit_code, 0);
  EXPECT_EQ(check(read_json(recovered + "/report.json"), "rss-burst-recovery")["outcome"], "pass");
  // Partial retention: 120 MiB never comes back.
  const auto retained = synthetic_run(
      "retained", 480,
      [](double t) { return 200 * kMiB + (t >= 120 && t < 180 ? 300 * kMiB
                                          : t >= 180          ? 120 * kMiB
                                                              : 0); }, phase);
  EXPECT_EQ(memgate({"report", retained, "--in-place", "--plateau", "none"}).exit_code, 1);
  const auto c = check(read_json(retained + "/report.json"), "rss-burst-recovery");
  EXPECT_EQ(c["outcome"], "fail");
}

TEST(Report, HeapPlateauIsJudgedFromTheAllocatorColumns) {
  const auto run_phase = [](double) { return std::string("run"); };
  const auto flat = synthetic_run(
      "heap-flat", 600, [](double) { return 300 * kMiB; }, run_phase, [](double) { return 120 * kMiB; });
  const auto r = memgate({"report", flat, "--in-place", "--plateau", "rss,heap"});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  const auto pass = check(read_json(flat + "/report.json"), "heap-plateau");
  EXPECT_EQ(pass["outcome"], "pass") << pass.dump();
  EXPECT_NEAR(pass["figures"]["steady"]["value"].get<double>(), 120 * kMiB, kMiB);

  // RSS flat (the allocator keeps a big free pool) while the live heap grows 30 %/h.
  const auto growing = synthetic_run(
      "heap-leak", 600, [](double) { return 300 * kMiB; }, run_phase,
      [](double t) { return 120 * kMiB + 36 * kMiB * t / 3600; });
  EXPECT_EQ(memgate({"report", growing, "--in-place", "--plateau", "rss,heap"}).exit_code, 1);
  const auto report = read_json(growing + "/report.json");
  EXPECT_EQ(check(report, "rss-plateau")["outcome"], "pass");
  const auto fail = check(report, "heap-plateau");
  EXPECT_EQ(fail["outcome"], "fail") << fail.dump();
  EXPECT_NEAR(fail["figures"]["slope_per_h"]["value"].get<double>(), 36 * kMiB, 6 * kMiB);

  // Asked for without allocator statistics: INCONCLUSIVE, saying how to get them.
  const auto no_probe = synthetic_run("heap-none", 600, [](double) { return 300 * kMiB; });
  EXPECT_EQ(memgate({"report", no_probe, "--in-place", "--plateau", "heap"}).exit_code, 2);
  const auto missing = check(read_json(no_probe + "/report.json"), "heap-plateau");
  EXPECT_EQ(missing["outcome"], "inconclusive");
  EXPECT_NE(missing["summary"].get<std::string>().find("--allocator"), std::string::npos) << missing.dump();
}

TEST(Report, BadCheckFlagsAreUsageErrors) {
  const auto dir = synthetic_run("flags", 30, [](double) { return 100 * kMiB; });
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"--plateau", "rss,heapz"}, {"--tolerance", "fast"}, {"--warmup", "soon"}, {"--horizon", "-3h"}}) {
    std::vector<std::string> argv{"report", dir};
    argv.insert(argv.end(), args.begin(), args.end());
    const auto r = memgate(argv);
    EXPECT_EQ(r.exit_code, 3) << args[0] << ": " << r.output;
    EXPECT_NE(r.output.find(args[0]), std::string::npos) << r.output;
  }
}

}  // namespace
}  // namespace memgate::testing
