// memgate gen / replay end to end: the generated trace replays line for line, and a
// malformed trace fails with exit code 3 naming the line unless --skip-malformed.
#include <fstream>
#include <string>

#include <gtest/gtest.h>

#include "integration/run_helpers.h"

namespace memgate::testing {
namespace {

TEST(LoadCli, GenThenReplayDeliversEveryRecord) {
  const std::string dir = fresh_dir("load_cli");
  const auto gen =
      memgate({"gen", "--out", dir + "/t.jsonl", "--rate", "2000", "--duration", "1s", "--bad-fraction", "0.05"});
  ASSERT_EQ(gen.exit_code, 0) << gen.output;
  EXPECT_EQ(count_lines(dir + "/t.jsonl"), 2000u);
  const auto replay = run_command(
      {"sh", "-c", std::string(MEMGATE_BIN) + " replay " + dir + "/t.jsonl --multiplier 4 > " + dir + "/out.txt"});
  ASSERT_EQ(replay.exit_code, 0) << replay.output;
  EXPECT_EQ(count_lines(dir + "/out.txt"), 2000u);
  EXPECT_NE(replay.output.find("\"accepted\":2000"), std::string::npos) << replay.output;
}

TEST(LoadCli, MalformedTraceNamesTheLine) {
  const std::string dir = fresh_dir("load_cli_bad");
  std::ofstream(dir + "/bad.jsonl") << "{\"t\":0,\"line\":\"a\"}\n{\"t\":\n{\"t\":0.1,\"line\":\"b\"}\n";
  const auto failed = run_command({"sh", "-c", std::string(MEMGATE_BIN) + " replay " + dir + "/bad.jsonl > /dev/null"});
  EXPECT_EQ(failed.exit_code, 3);
  EXPECT_NE(failed.output.find("bad.jsonl:2: not valid JSON"), std::string::npos) << failed.output;
  const auto skipped = run_command(
      {"sh", "-c", std::string(MEMGATE_BIN) + " replay --skip-malformed " + dir + "/bad.jsonl > " + dir + "/out.txt"});
  EXPECT_EQ(skipped.exit_code, 0) << skipped.output;
  EXPECT_EQ(count_lines(dir + "/out.txt"), 2u);
  EXPECT_NE(skipped.output.find("\"malformed_lines\":1"), std::string::npos) << skipped.output;
}

}  // namespace
}  // namespace memgate::testing
