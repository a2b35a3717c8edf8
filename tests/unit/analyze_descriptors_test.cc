// Open descriptors by kind and path pattern, their growth as a sentence, and the fd
// plateau message built from them (integers for counts, the target's own limit).
#include "analyze/descriptors.h"

#include <gtest/gtest.h>

#include <fcntl.h>

#include <cmath>
#include <regex>
#include <string>
#include <vector>

#include "analyze/plateau.h"
#include "memgate/check_names.h"
#include "nlohmann/json.hpp"

namespace memgate::analyze {
namespace {

std::vector<FdEntry> spill_files(int n, int from = 1) {
  std::vector<FdEntry> out;
  for (int i = from; i < from + n; ++i)
    out.push_back({"/srv/job/spool/spill_" + std::to_string(10000 + i) + ".jsonl", 0100001});
  return out;
}

TEST(Descriptors, KindsFromLinksAndFlags) {
  EXPECT_EQ(fd_kind({"socket:[81234]", std::nullopt}), "socket");
  EXPECT_EQ(fd_kind({"pipe:[4431]", std::nullopt}), "pipe");
  EXPECT_EQ(fd_kind({"anon_inode:[eventfd]", std::nullopt}), "anon inode");
  EXPECT_EQ(fd_kind({"/dev/null", 02}), "device");
  EXPECT_EQ(fd_kind({"/var/lib/x.db", 0100002}), "regular file");
  EXPECT_EQ(fd_kind({"/var/lib", static_cast<std::uint32_t>(O_DIRECTORY)}), "directory");
  EXPECT_EQ(fd_kind({"/tmp/gone.tmp (deleted)", 0}), "deleted file");
  EXPECT_EQ(fd_kind({"net:[4026531840]", std::nullopt}), "other");
}

TEST(Descriptors, PatternsReplaceDigitRunsAndDropInodes) {
  EXPECT_EQ(fd_pattern({"/srv/job/spool/spill_00012.jsonl", 0}), "/srv/job/spool/spill_*.jsonl");
  EXPECT_EQ(fd_pattern({"/data/2026-12-07/part_3.log", 0}), "/data/*-*-*/part_*.log");
  EXPECT_EQ(fd_pattern({"socket:[81234]", std::nullopt}), "");
  EXPECT_EQ(fd_pattern({"anon_inode:[eventpoll]", std::nullopt}), "anon_inode:[eventpoll]");
}

TEST(Descriptors, GroupsCountByKindAndPattern) {
  auto entries = spill_files(5);
  entries.push_back({"socket:[1]", std::nullopt});
  entries.push_back({"socket:[2]", std::nullopt});
  entries.push_back({"/dev/null", 0});
  const FdGroups g = group_descriptors(entries);
  ASSERT_EQ(g.size(), 3u);
  EXPECT_EQ(g.at({"regular file", "/srv/job/spool/spill_*.jsonl"}), 5u);
  EXPECT_EQ(g.at({"socket", ""}), 2u);
  EXPECT_EQ(g.at({"device", "/dev/null"}), 1u);
}

TEST(Descriptors, PatternsPerKindAreBounded) {
  std::vector<FdEntry> entries;
  for (const char* dir : {"/a/", "/b/", "/c/", "/d/"}) entries.push_back({std::string(dir) + "x", 0});
  const FdGroups g = group_descriptors(entries, 2);
  EXPECT_EQ(g.size(), 3u);
  EXPECT_EQ(g.at({"regular file", "(other paths)"}), 2u);
}

TEST(Descriptors, JsonRoundTripIgnoresMalformedEntries) {
  const FdGroups g = group_descriptors(spill_files(3));
  nlohmann::json j = groups_to_json(g);
  j.push_back({{"kind", "socket"}});  // no count
  j.push_back({{"kind", 3}, {"pattern", ""}, {"count", 1}});
  EXPECT_EQ(groups_from_json(j), g);
  EXPECT_TRUE(groups_from_json(nlohmann::json("x")).empty());
}

TEST(Descriptors, GrowthSentenceNamesWhatGrewAndWhatDidNot) {
  auto before_entries = spill_files(2);
  before_entries.push_back({"socket:[1]", std::nullopt});
  auto after_entries = spill_files(414);
  after_entries.push_back({"socket:[7]", std::nullopt});
  after_entries.push_back({"pipe:[9]", std::nullopt});
  const auto changes = diff_groups(group_descriptors(before_entries), group_descriptors(after_entries));
  EXPECT_EQ(describe_fd_growth(changes), "+412 regular files under /srv/job/spool/spill_*.jsonl, +1 pipe, +0 sockets");
}

TEST(Descriptors, NoGrowthNoSentence) {
  const FdGroups g = group_descriptors(spill_files(3));
  EXPECT_EQ(describe_fd_growth(diff_groups(g, g)), "");
}

TEST(Descriptors, SecondsToLimit) {
  EXPECT_NEAR(*seconds_to_limit(100, 1024, 3600), 924, 1e-9);
  EXPECT_FALSE(seconds_to_limit(100, 1024, 0));
  EXPECT_FALSE(seconds_to_limit(2000, 1024, 10));
}

// The leak of the report: 1.5 descriptors a second (5,400/h), a 1,024 RLIMIT_NOFILE; the
// steady window starts at 30 s (45 spill files), the last snapshot at 119.9 s (179).
TEST(FdPlateauMessage, NamesTheGroupsTheLimitAndIntegerCounts) {
  std::vector<double> t, v;
  for (int i = 0; i < 1200; ++i) {  // 120 s at 10 Hz
    t.push_back(i / 10.0);
    v.push_back(10 + std::floor(1.5 * i / 10.0));
  }
  std::vector<FdSnapshot> snaps;
  for (double s : {0.0, 30.0, 60.0, 90.0, 119.9}) {
    FdSnapshot snap;
    snap.t_s = s;
    snap.groups = group_descriptors(spill_files(static_cast<int>(1.5 * s)));
    snap.groups[{"socket", ""}] = 3;
    snap.total = 10 + std::floor(1.5 * s);
    snap.top_fds = snap.total;
    snap.top_nofile = 1024;
    snaps.push_back(snap);
  }
  PlateauSettings settings = PlateauSettings::for_counts();
  settings.warmup = {Warmup::Kind::seconds, 30};
  const CheckResult r = fd_plateau_check(t, v, settings, snaps);
  EXPECT_EQ(r.id, check_id::kFdPlateau);
  ASSERT_EQ(r.outcome, Outcome::fail) << r.summary;
  EXPECT_EQ(r.summary.find("heap profile"), std::string::npos) << r.summary;
  EXPECT_NE(r.summary.find("+134 regular files under /srv/job/spool/spill_*.jsonl, +0 sockets, +0 pipes"),
            std::string::npos)
      << r.summary;
  EXPECT_NE(r.summary.find("the 1024 limit (the busiest process's RLIMIT_NOFILE of 1024) in "), std::string::npos)
      << r.summary;
  // 24 h at 5,400/h: an integer, never "129806.95".
  EXPECT_TRUE(std::regex_search(r.summary, std::regex("reaches 129[0-9]{3} after "))) << r.summary;
  bool limit = false, nofile = false;
  for (const auto& f : r.figures) {
    if (f.name == "time_to_limit_s") {
      limit = true;
      EXPECT_NEAR(f.value, (1024 - 189.0) / 5400 * 3600, 30) << "about 9 minutes after the last sample";
    }
    if (f.name == "nofile_limit") nofile = f.value == 1024;
  }
  EXPECT_TRUE(limit);
  EXPECT_TRUE(nofile);
}

TEST(FdPlateauMessage, AMaxFdsBudgetIsTheLimitNamed) {
  std::vector<double> t, v;
  for (int i = 0; i < 1200; ++i) {
    t.push_back(i / 10.0);
    v.push_back(10 + std::floor(1.5 * i / 10.0));
  }
  PlateauSettings settings = PlateauSettings::for_counts();
  settings.limit = 500;
  const CheckResult r = fd_plateau_check(t, v, settings);
  ASSERT_EQ(r.outcome, Outcome::fail) << r.summary;
  EXPECT_NE(r.summary.find("the 500 --max-fds limit in"), std::string::npos) << r.summary;
  EXPECT_NE(r.summary.find("find which descriptors stay open"), std::string::npos) << r.summary;
}

}  // namespace
}  // namespace memgate::analyze
