// The no-data-loss check on literal accounting lines and traffic figures, as they
// appear in meta.json.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "analyze/data_loss.h"
#include "report/data_loss_inputs.h"
#include "check_figure.h"

namespace memgate {
namespace {

using nlohmann::json;

json sensor_traffic(std::uint64_t accepted) {
  return {{"transport", "stdin"}, {"payload", "sensors"}, {"offered", accepted},
          {"sent", accepted},     {"accepted", accepted}, {"dropped", 0}};
}

json accounting(std::uint64_t received, std::uint64_t processed, std::uint64_t rejected, std::uint64_t spilled = 0,
                std::uint64_t replayed = 0) {
  const std::int64_t lost =
      static_cast<std::int64_t>(received) - static_cast<std::int64_t>(processed + rejected + spilled - replayed);
  return {{"received", received},
          {"processed", processed},
          {"rejected", {{"malformed_json", rejected}}},
          {"rejected_total", rejected},
          {"spilled", spilled},
          {"replayed", replayed},
          {"pending_spill", spilled - replayed},
          {"lost", lost}};
}

CheckResult judge(const json& samplers) { return analyze::no_data_loss_check(report::data_loss_inputs(samplers)); }

TEST(NoDataLoss, PassesWhenEveryDeliveredRecordIsAccountedForIncludingSpilledAndReplayed) {
  const auto r =
      judge({{"traffic", sensor_traffic(1000)}, {"metrics", {{"accounting", accounting(1000, 990, 10, 400, 400)}}}});
  EXPECT_EQ(r.id, "no-data-loss");
  EXPECT_EQ(r.outcome, Outcome::pass) << r.summary;
  EXPECT_NE(r.summary.find("all 1000 records delivered are accounted for: 990 processed, 10 rejected (10 "
                           "malformed_json), 400 spilled to disk and all replayed"),
            std::string::npos)
      << r.summary;
  EXPECT_EQ(figure(r, "delivered"), 1000);
  EXPECT_EQ(figure(r, "spilled"), 400);
  EXPECT_EQ(figure(r, "lost"), 0);
  EXPECT_EQ(figure(r, "rejected_malformed_json"), 10);
}

TEST(NoDataLoss, RecordsStillOnDiskAreNotLost) {
  const auto r =
      judge({{"traffic", sensor_traffic(1000)}, {"metrics", {{"accounting", accounting(1000, 700, 0, 500, 200)}}}});
  EXPECT_EQ(r.outcome, Outcome::pass) << r.summary;
  EXPECT_NE(r.summary.find("300 still on disk"), std::string::npos) << r.summary;
}

TEST(NoDataLoss, FailsWhenTheTargetProcessedFewerThanItReceived) {
  json a = accounting(1000, 900, 0);
  a.erase("lost");  // a target that does not do the arithmetic itself
  const auto r = judge({{"traffic", sensor_traffic(1000)}, {"metrics", {{"accounting", a}}}});
  EXPECT_EQ(r.outcome, Outcome::fail);
  EXPECT_NE(
      r.summary.find("100 of the 1000 records the target received were neither processed, rejected nor kept on disk"),
      std::string::npos)
      << r.summary;
  EXPECT_EQ(figure(r, "lost"), 100);
}

TEST(NoDataLoss, FailsWhenTheTargetsOwnLostDisagreesWithItsCounts) {
  json a = accounting(1000, 1000, 0);
  a["lost"] = 5;
  const auto r = judge({{"traffic", sensor_traffic(1000)}, {"metrics", {{"accounting", a}}}});
  EXPECT_EQ(r.outcome, Outcome::fail);
  EXPECT_NE(r.summary.find("the counts do not add up: the target reports lost = 5"), std::string::npos) << r.summary;
}

TEST(NoDataLoss, FailsWhenRecordsWereDeliveredButNeverReceived) {
  const auto r = judge({{"traffic", sensor_traffic(1200)}, {"metrics", {{"accounting", accounting(1000, 1000, 0)}}}});
  EXPECT_EQ(r.outcome, Outcome::fail);
  EXPECT_NE(r.summary.find("the generator delivered 1200 records but the target received only 1000: 200 were lost"),
            std::string::npos)
      << r.summary;
  const auto more = judge({{"traffic", sensor_traffic(900)}, {"metrics", {{"accounting", accounting(1000, 1000, 0)}}}});
  EXPECT_EQ(more.outcome, Outcome::fail);
  EXPECT_NE(more.summary.find("the counts do not add up"), std::string::npos) << more.summary;
}

TEST(NoDataLoss, InconclusiveWithoutAnAccountingLineSayingWhy) {
  const auto none = judge({{"traffic", sensor_traffic(10)}, {"metrics", {{"lines", 3}}}});
  EXPECT_EQ(none.outcome, Outcome::inconclusive);
  EXPECT_NE(none.summary.find("no accounting line arrived"), std::string::npos) << none.summary;
  EXPECT_NE(none.summary.find("MEMGATE_METRICS_PATH"), std::string::npos);
  const auto off = judge({{"traffic", sensor_traffic(10)}});
  EXPECT_EQ(off.outcome, Outcome::inconclusive);
  EXPECT_NE(off.summary.find("--metrics off"), std::string::npos) << off.summary;
  const auto bad = judge({{"metrics", {{"accounting", {{"received", "many"}}}}}});
  EXPECT_EQ(bad.outcome, Outcome::inconclusive);
  EXPECT_NE(bad.summary.find("\"received\""), std::string::npos) << bad.summary;
}

TEST(NoDataLoss, PairsAreComparedWithThePairsOfTheDeliveredChunks) {
  json traffic = {{"transport", "stdin"}, {"payload", "od_pairs"},
                  {"sent", 21},           {"accepted", 21},
                  {"dropped", 0},         {"payload_stats", {{"pairs", 10200}, {"chunk", 500}}}};
  json a = accounting(10200, 10150, 50);
  a["unit"] = "pairs";
  const auto r = judge({{"traffic", traffic}, {"metrics", {{"accounting", a}}}});
  EXPECT_EQ(r.outcome, Outcome::pass) << r.summary;
  EXPECT_EQ(figure(r, "delivered"), 10200);  // 20 full chunks + one of 200
  traffic["accepted"] = 10;
  const auto partial = judge({{"traffic", traffic}, {"metrics", {{"accounting", a}}}});
  EXPECT_EQ(partial.outcome, Outcome::fail);
  EXPECT_EQ(figure(partial, "delivered"), 5000);
  traffic["dropped"] = 2;
  EXPECT_EQ(judge({{"traffic", traffic}, {"metrics", {{"accounting", a}}}}).outcome, Outcome::inconclusive);
  a["unit"] = "pairs";
  EXPECT_EQ(judge({{"traffic", sensor_traffic(10200)}, {"metrics", {{"accounting", a}}}}).outcome,
            Outcome::inconclusive);
}

TEST(NoDataLoss, WithoutTrafficOnlyTheTargetsOwnCountsAreJudged) {
  const auto r = judge({{"metrics", {{"accounting", accounting(24, 24, 0)}}}});
  EXPECT_EQ(r.outcome, Outcome::pass) << r.summary;
  EXPECT_NE(r.summary.find("no traffic generator ran"), std::string::npos) << r.summary;
  EXPECT_EQ(judge({{"metrics", {{"accounting", accounting(24, 20, 0)}}}}).outcome, Outcome::fail);
  const auto external = judge({{"traffic", {{"transport", "command"}, {"payload", "none"}}},
                               {"metrics", {{"accounting", accounting(5, 5, 0)}}}});
  EXPECT_EQ(external.outcome, Outcome::inconclusive);
  EXPECT_NE(external.summary.find("external load command"), std::string::npos) << external.summary;
}

TEST(NoDataLoss, SeveralWritersAddUp) {
  json by_pid = {{"101", accounting(600, 600, 0)}, {"102", accounting(400, 390, 10)}};
  const auto r = judge({{"traffic", sensor_traffic(1000)}, {"metrics", {{"accounting_by_pid", by_pid}}}});
  EXPECT_EQ(r.outcome, Outcome::pass) << r.summary;
  EXPECT_EQ(figure(r, "received"), 1000);
  EXPECT_EQ(figure(r, "rejected"), 10);
}

}  // namespace
}  // namespace memgate
