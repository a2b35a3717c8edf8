// `--attribute` end to end under glibc: the sampler preloaded into a target that leaks
// known amounts at three known lines, memgate's snapshots and symbols, and the growth
// attribution in report.json, the terminal summary and the plateau check's FAIL.
#include <filesystem>
#include <map>
#include <regex>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include "integration/run_helpers.h"

namespace memgate::testing {
namespace {

struct Truth {
  int line = 0;
  double bytes_per_s = 0;
};

// "site leak_geometries line 37 bytes_per_s 3145728" lines from the helper's output.
std::map<std::string, Truth> truth_of(const std::string& output) {
  std::map<std::string, Truth> out;
  const std::regex line(R"(site (\w+) line (\d+) bytes_per_s (\d+))");
  for (std::sregex_iterator it(output.begin(), output.end(), line), end; it != end; ++it)
    out[(*it)[1]] = {std::stoi((*it)[2]), std::stod((*it)[3])};
  return out;
}
// The three largest growing sites of attribution.native are the three leak lines, each
// within 20 % of its rate.
void expect_the_three_leak_lines(const nlohmann::json& a, const std::map<std::string, Truth>& truth) {
  const auto& growing = a["growing"];
  ASSERT_GE(growing.size(), 3u) << a.dump(2);
  for (std::size_t i = 0; i < 3; ++i) {
    const std::string site = growing[i]["site"];
    bool matched = false;
    for (const auto& [function, t] : truth) {
      if (site != "leak_sites.cc:" + std::to_string(t.line) + " (" + function + ")") continue;
      matched = true;
      const double measured = growing[i]["bytes_per_h"].get<double>() / 3600;
      EXPECT_NEAR(measured, t.bytes_per_s, 0.2 * t.bytes_per_s) << site;
    }
    EXPECT_TRUE(matched) << "site " << i << " is " << site << "\n" << a.dump(2);
  }
}

TEST(Attribution, NamesTheThreeLeakingLinesWithin20Percent) {
  const std::string dir = fresh_dir("attribute") + "/run";
  // A finer sampling mean than the default 512 KiB, so the run holds a few hundred samples
  // per site (the estimate's spread is about sqrt(mean / bytes)). 24 s: the plateau check
  // FAILs a blatant leak on a steady window of 20 s or more.
  const auto r = run_command({"env",
                              "-u",
                              "GITHUB_ACTIONS",
                              "-u",
                              "GITHUB_STEP_SUMMARY",
                              "MEMGATE_ATTRIB_MEAN_BYTES=32768",
                              MEMGATE_BIN,
                              "run",
                              "--allocator",
                              "glibc",
                              "--attribute",
                              "--warmup",
                              "2s",
                              "--ebpf",
                              "off",
                              "--out",
                              dir,
                              "--",
                              helper("alloc/leak_sites"),
                              "24"});
  ASSERT_EQ(r.exit_code, 1) << r.output;  // the leak fails the rss-plateau check
  const auto truth = truth_of(r.output);
  ASSERT_EQ(truth.size(), 3u) << r.output;

  const auto report = read_json(dir + "/report.json");  // also validated against the schema
  ASSERT_TRUE(report["attribution"]["native"].is_object()) << report.dump(2);
  const auto& a = report["attribution"]["native"];
  EXPECT_TRUE(report["attribution"]["python"].is_null()) << report["attribution"].dump(2);
  ASSERT_TRUE(a["reason"].is_null()) << a.dump(2);
  expect_the_three_leak_lines(a, truth);
  const auto& growing = a["growing"];
  // The burst site held 8 MiB for half a second every two seconds: it came back.
  bool burst_listed = false;
  for (const auto& s : a["transient"])
    burst_listed |= s["site"].get<std::string>().find("burst_hold") != std::string::npos;
  for (const auto& s : growing) EXPECT_EQ(s["site"].get<std::string>().find("burst_hold"), std::string::npos) << s;
  EXPECT_TRUE(burst_listed) << a.dump(2);

  // The plateau FAIL names the top site instead of sending the user to another tool.
  const auto rss = report_check(report, "rss-plateau");
  EXPECT_EQ(rss["outcome"], "fail");
  EXPECT_NE(rss["summary"].get<std::string>().find("of the heap growth"), std::string::npos) << rss["summary"];
  EXPECT_NE(rss["summary"].get<std::string>().find(
                "at leak_sites.cc:" + std::to_string(truth.at("leak_geometries").line) + " (leak_geometries)"),
            std::string::npos)
      << rss["summary"];
  // The terminal lists the growing sites; the collapsed export has the leaking stack.
  EXPECT_NE(r.output.find("heap attribution: the sampled live heap went from"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("grows +"), std::string::npos) << r.output;
  const std::string collapsed = slurp(dir + "/growth.collapsed");
  EXPECT_TRUE(std::regex_search(collapsed, std::regex(R"((^|\n)[^\n ]*main;[^\n ]*leak_geometries \d+\n)")))
      << collapsed;
  EXPECT_TRUE(std::filesystem::exists(dir + "/attribution/symbols.tsv"));
  // The flame graph page (reports/flame_growth.py; Chromium draws it in PlotFlameGrowth.*)
  // holds the top site as a frame of its own, and no note says the library is missing.
  const std::string page = slurp(dir + "/growth.html");
  EXPECT_NE(page.find("\"name\": \"leak_sites.cc:" + std::to_string(truth.at("leak_geometries").line) +
                      " (leak_geometries)\""),
            std::string::npos);
  EXPECT_EQ(r.output.find("no flame graph"), std::string::npos) << r.output;
  // The pprof export opens in pprof itself (Debian golang-go, ci/setup).
  const auto pprof = run_command({"go", "tool", "pprof", "-top", "-sample_index=growth_space", dir + "/growth.pb.gz"});
  EXPECT_EQ(pprof.exit_code, 0) << pprof.output;
  EXPECT_NE(pprof.output.find("Type: growth_space"), std::string::npos) << pprof.output;
  EXPECT_NE(pprof.output.find("leak_geometries"), std::string::npos) << pprof.output;
  EXPECT_EQ(report["samplers"]["alloc"]["attribution"]["dropped_samples"], 0) << report["samplers"]["alloc"].dump(2);
}

// leak_sites under --allocator ALLOCATOR --attribute, the allocator's own profiler dumped
// by the probe at each snapshot: the report, and the three lines it must name.
nlohmann::json run_leak_sites_under_profiler(const std::string& allocator, const std::string& dir,
                                             std::map<std::string, Truth>& truth) {
  // 2^13 bytes between samples (MEMGATE_ATTRIB_MEAN_BYTES rounds to lg_prof_sample:13):
  // jemalloc counts a 1,200-byte calloc as its 1,280-byte size class (+6.7 %), so the
  // sampling spread must stay well inside the rest of the 20 %; at 2^15 a loaded CI
  // machine once measured leak_sessions 27 % high. gperftools records every allocation.
  const auto r = run_command({"env",
                              "-u",
                              "GITHUB_ACTIONS",
                              "-u",
                              "GITHUB_STEP_SUMMARY",
                              "-u",
                              "MALLOC_CONF",
                              "MEMGATE_ATTRIB_MEAN_BYTES=8192",
                              MEMGATE_BIN,
                              "run",
                              "--allocator",
                              allocator,
                              "--attribute",
                              "--plateau",
                              "none",
                              "--ebpf",
                              "off",
                              "--no-plot",
                              "--out",
                              dir,
                              "--",
                              helper("alloc/leak_sites"),
                              "12"});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  truth = truth_of(r.output);
  EXPECT_EQ(truth.size(), 3u) << r.output;
  const auto report = read_json(dir + "/report.json");
  const auto& figures = report["samplers"]["alloc"]["attribution"];
  EXPECT_GE(figures["jemalloc_dumps"]["written"].get<double>(), 5) << figures.dump();
  EXPECT_EQ(figures["jemalloc_dumps"]["failed"], 0) << figures.dump();
  const std::string preload = report["run"]["environment"]["LD_PRELOAD"];
  EXPECT_EQ(preload.find("libmemgate_attrib"), std::string::npos) << preload;  // no interposition
  const auto& a = report["attribution"]["native"];
  EXPECT_TRUE(a["reason"].is_null()) << a.dump(2);
  if (truth.size() == 3) expect_the_three_leak_lines(a, truth);
  // The raw dumps are removed once converted; the allocator's own frames are not in the stacks.
  EXPECT_TRUE(std::filesystem::is_empty(dir + "/attribution/jeprof"));
  const std::string collapsed = slurp(dir + "/growth.collapsed");
  EXPECT_EQ(collapsed.find("lib" + allocator), std::string::npos) << collapsed;
  EXPECT_TRUE(std::regex_search(collapsed, std::regex(R"((^|\n)[^\n ]*main;[^\n ]*leak_geometries \d+\n)")))
      << collapsed;
  return report;
}

// Under jemalloc the stacks come from jemalloc's own profiler (prof:true, dumped by the
// probe at each snapshot), not from the interposing sampler: the same three lines.
TEST(Attribution, JemallocProfilerNamesTheLeakingLines) {
  std::map<std::string, Truth> truth;
  const auto report = run_leak_sites_under_profiler("jemalloc", fresh_dir("attribute-jemalloc") + "/run", truth);
  const auto& figures = report["samplers"]["alloc"]["attribution"];
  EXPECT_EQ(figures["source"], "jemalloc-prof") << figures.dump();
  EXPECT_EQ(figures["mean_bytes"], 8192) << figures.dump();
  EXPECT_NE(report["run"]["environment"]["MALLOC_CONF"].get<std::string>().find(
                "prof:true,prof_active:true,lg_prof_sample:13"),
            std::string::npos)
      << report["run"]["environment"];
}

// Under tcmalloc, gperftools' heap profiler of the full libtcmalloc (libgoogle-perftools4,
// ci/setup), started and dumped by the probe: every allocation recorded, the same lines.
TEST(Attribution, TcmallocHeapProfilerNamesTheLeakingLines) {
  std::map<std::string, Truth> truth;
  const auto report = run_leak_sites_under_profiler("tcmalloc", fresh_dir("attribute-tcmalloc") + "/run", truth);
  const auto& figures = report["samplers"]["alloc"]["attribution"];
  EXPECT_EQ(figures["source"], "gperftools-heap-profiler") << figures.dump();
  EXPECT_EQ(figures["mean_bytes"], 0) << "every allocation recorded: " << figures.dump();
  const std::string preload = report["run"]["environment"]["LD_PRELOAD"];
  EXPECT_NE(preload.find("libtcmalloc.so"), std::string::npos) << preload;
  EXPECT_EQ(preload.find("libtcmalloc_minimal"), std::string::npos) << preload;
  EXPECT_EQ(report["run"]["environment"]["HEAP_PROFILE_ALLOCATION_INTERVAL"], "0") << report["run"]["environment"];
}

TEST(Attribution, ThreadsAndForksUnderTheSamplerNeitherCrashNorDeadlock) {
  const std::string dir = fresh_dir("attribute-stress") + "/run";
  const auto r = memgate({"run", "--allocator", "glibc", "--attribute", "--plateau", "none", "--ebpf", "off",
                          "--no-plot", "--out", dir, "--", helper("alloc/leak_sites"), "--stress", "3"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("stress children"), std::string::npos) << r.output;
  const auto report = read_json(dir + "/report.json");
  const auto& figures = report["samplers"]["alloc"]["attribution"];
  EXPECT_GT(figures["samples"].get<double>(), 100) << figures.dump();
  EXPECT_GE(figures["processes"].get<double>(), 2) << figures.dump();  // the forked children had tables too
  EXPECT_GE(figures["snapshots"].get<double>(), 2) << figures.dump();
}

TEST(Attribution, NeedsTheProbe) {
  const auto r = memgate({"run", "--attribute", "--out", fresh_dir("attribute-usage") + "/run", "--", "true"});
  EXPECT_EQ(r.exit_code, 3) << r.output;
  EXPECT_NE(r.output.find("add --allocator glibc"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace memgate::testing
