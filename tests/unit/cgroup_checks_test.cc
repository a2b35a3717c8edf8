// The verdicts of a run under a memory limit, pure: cgroup-oom (sample/cgroup_figures.h)
// and memory-headroom (analyze/headroom.h).
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "analyze/headroom.h"
#include "sample/cgroup_figures.h"
#include "check_figure.h"

namespace memgate {
namespace {

constexpr double kMiB = 1024.0 * 1024.0;

TEST(CgroupOomCheck, AKillAtTheLimitFailsNamingTheVictimAndTheLimit) {
  sample::CgroupOomInput in;
  in.limits.max = 100ull << 20;
  in.version = "v1";
  in.oom_kills = 1;
  in.peak_bytes = 100 * kMiB;
  in.high_events = NAN;
  in.pressure_some_max = NAN;
  in.victims = {{0.4, 9182, "python3", 105906176}};
  const auto r = sample::cgroup_oom_check(in);
  EXPECT_EQ(r.id, "cgroup-oom");
  EXPECT_EQ(r.outcome, Outcome::fail);
  EXPECT_EQ(r.summary,
            "the OOM killer killed 1 process at the 100.0 MiB limit (memory.limit_in_bytes): pid 9182 (python3, "
            "101.0 MiB RSS) at t=0.4s; raise the limit or lower what the target holds");
  EXPECT_EQ(figure(r, "limit"), 100 * kMiB);
  EXPECT_EQ(figure(r, "victim_rss"), 105906176);
}

TEST(CgroupOomCheck, UnknownVictimSaysWhy) {
  sample::CgroupOomInput in;
  in.limits.max = 64ull << 20;
  in.version = "v2";
  in.oom_kills = 2;
  in.victims_unknown = "/dev/kmsg is not readable: run as root";
  const auto r = sample::cgroup_oom_check(in);
  EXPECT_EQ(r.outcome, Outcome::fail);
  EXPECT_NE(r.summary.find("killed 2 processes at the 64.0 MiB limit (memory.max): victim not known (/dev/kmsg"),
            std::string::npos)
      << r.summary;
}

TEST(CgroupOomCheck, NoKillPassesWithReclaimAsAWarning) {
  sample::CgroupOomInput in;
  in.limits.max = 100ull << 20;
  in.limits.high = 80ull << 20;
  in.version = "v2";
  in.peak_bytes = 85 * kMiB;
  in.high_events = 12;
  in.pressure_some_max = 3.25;
  const auto r = sample::cgroup_oom_check(in);
  EXPECT_EQ(r.outcome, Outcome::pass);
  EXPECT_EQ(r.summary,
            "no OOM kill in the 100.0 MiB limit (memory.max); peak 85.0 MiB; warning: 12 reclaim events at the 80.0 "
            "MiB memory.high; memory pressure (some, avg10) up to 3.2%");
  EXPECT_EQ(figure(r, "high_events"), 12);
}

TEST(HeadroomCheck, PeakAboveTheShareFails) {
  analyze::HeadroomInput in{100 * kMiB, "memory.max", 90 * kMiB, 85};
  const auto r = analyze::headroom_check(in, std::nullopt, 86400);
  EXPECT_EQ(r.id, "memory-headroom");
  EXPECT_EQ(r.outcome, Outcome::fail);
  EXPECT_EQ(r.summary,
            "peak 90.0 MiB is 90% of the 100.0 MiB limit (memory.max): 10.0 MiB (10%) headroom left; more than the 85% "
            "allowed (--max-limit-share)");
  EXPECT_DOUBLE_EQ(figure(r, "peak_share"), 90);
  EXPECT_DOUBLE_EQ(figure(r, "headroom"), 10 * kMiB);
}

TEST(HeadroomCheck, PeakWithinTheSharePasses) {
  analyze::HeadroomInput in{100 * kMiB, "memory.max", 40 * kMiB, 85};
  const auto r = analyze::headroom_check(in, std::nullopt, 86400);
  EXPECT_EQ(r.outcome, Outcome::pass);
  EXPECT_EQ(r.summary,
            "peak 40.0 MiB is 40% of the 100.0 MiB limit (memory.max): 60.0 MiB (60%) headroom left, within the 85% "
            "allowed");
}

TEST(HeadroomCheck, GrowthProjectedPastTheShareFails) {
  analyze::HeadroomInput in{100 * kMiB, "memory.max", 40 * kMiB, 85};
  const auto r = analyze::headroom_check(in, 120 * kMiB, 86400);
  EXPECT_EQ(r.outcome, Outcome::fail);
  EXPECT_NE(r.summary.find("growing, it reaches 120.0 MiB (120%) at 24h"), std::string::npos) << r.summary;
  EXPECT_DOUBLE_EQ(figure(r, "projected_share"), 120);
}

TEST(HeadroomCheck, ProjectionOnlyFromRealGrowth) {
  analyze::PlateauSettings p;
  p.min_steady_s = 10;
  std::vector<double> t, flat, growing;
  for (int i = 0; i < 600; ++i) {
    t.push_back(i);
    flat.push_back(40 * kMiB + (i % 7) * 4096.0);
    growing.push_back(40 * kMiB + i * 20 * 1024.0);  // 20 KiB/s: 70 MiB/h
  }
  EXPECT_FALSE(analyze::projected_usage(t, flat, p).has_value());
  const auto projected = analyze::projected_usage(t, growing, p);
  ASSERT_TRUE(projected.has_value());
  EXPECT_GT(*projected, 1000 * kMiB);  // ~1.6 GiB at 24 h
  EXPECT_FALSE(analyze::projected_usage({}, {}, p).has_value());
}

nlohmann::json samplers_with(const nlohmann::json& ebpf_pids, const nlohmann::json& cgroup_pids, int kills) {
  nlohmann::json s = {{"ebpf", {{"oom_victims", nlohmann::json::array()}}},
                      {"cgroup", {{"oom_kills", kills}, {"oom_victims", nlohmann::json::array()}}}};
  for (const auto& p : ebpf_pids) s["ebpf"]["oom_victims"].push_back({{"pid", p}});
  for (const auto& p : cgroup_pids) s["cgroup"]["oom_victims"].push_back({{"pid", p}});
  return s;
}

std::vector<CheckResult> with_ebpf_fail() {
  return {{"oom-kills", Outcome::fail, "the kernel OOM-killed 1 process(es)", {}},
          {"cgroup-oom", Outcome::fail, "the OOM killer killed 1 process at the limit", {}}};
}

TEST(DeferOomKills, AKillAtTheLimitIsOneFailedCheck) {
  auto checks = with_ebpf_fail();
  sample::defer_oom_kills_at_limit(checks, samplers_with({42}, {42}, 1));
  EXPECT_EQ(checks[0].outcome, Outcome::pass);
  EXPECT_EQ(checks[0].summary, "no OOM kill outside memgate's memory limit (the 1 at the limit: see cgroup-oom)");
  EXPECT_EQ(checks[1].outcome, Outcome::fail);
  // Without the kernel log the cgroup's count covers as many victims.
  checks = with_ebpf_fail();
  sample::defer_oom_kills_at_limit(checks, samplers_with({42}, nlohmann::json::array(), 1));
  EXPECT_EQ(checks[0].outcome, Outcome::pass);
}

TEST(DeferOomKills, AKillOutsideTheLimitStillFailsOomKills) {
  auto checks = with_ebpf_fail();
  sample::defer_oom_kills_at_limit(checks, samplers_with({42, 43}, {42}, 1));
  EXPECT_EQ(checks[0].outcome, Outcome::fail);
  checks = with_ebpf_fail();
  sample::defer_oom_kills_at_limit(checks, samplers_with({42, 43}, nlohmann::json::array(), 1));
  EXPECT_EQ(checks[0].outcome, Outcome::fail);
  checks = with_ebpf_fail();
  sample::defer_oom_kills_at_limit(checks, samplers_with({42}, nlohmann::json::array(), 0));  // none at the limit
  EXPECT_EQ(checks[0].outcome, Outcome::fail);
}

}  // namespace
}  // namespace memgate
