// meta.json -> RunMeta: what `memgate report DIR` reads first. A file memgate did not
// write (or a hand-edited one) is a usage error naming the problem, not an internal error.
#include <gtest/gtest.h>

#include "memgate/error.h"
#include "record/run_meta.h"

namespace memgate::record {
namespace {

TEST(RunMeta, RoundTripsThroughJson) {
  RunMeta m;
  m.command = {"app", "--flag"};
  m.environment = {{"MALLOC_ARENA_MAX", "2"}};
  m.hz = 10;
  m.planned_duration_s = 30;
  m.status = "finished";
  m.target_end = TargetEnd{true, 0, 11, "SIGSEGV", true, "killed by SIGSEGV (Segmentation fault)"};
  m.notes = {"a note"};
  const nlohmann::json once = m;
  EXPECT_EQ(nlohmann::json(once.get<RunMeta>()), once);
}

TEST(RunMeta, WrongTypesAreUsageErrors) {
  // Found by tests/fuzz (run_dir): these escaped as nlohmann type errors (exit 5).
  for (const char* text : {R"({"command": "not-an-array"})", R"({})", R"({"command": ["a"], "hz": "fast"})",
                           R"({"command": ["a"], "environment": {"A": 1}})",
                           R"({"command": ["a"], "target_end": {"exit_code": "1"}})", R"([1, 2])"}) {
    try {
      (void)nlohmann::json::parse(text).get<RunMeta>();
      ADD_FAILURE() << "accepted " << text;
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ExitCode::usage) << text;
      EXPECT_NE(std::string(e.what()).find("meta.json: "), std::string::npos) << e.what();
    }
  }
}

}  // namespace
}  // namespace memgate::record
