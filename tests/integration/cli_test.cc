// The command line as a user meets it: help without the parser's internals, unknown
// flags and commands named with a suggestion, every error one `memgate:` line with exit
// 3, --version with its commit, doctor --json, and the size and duration forms.
#include <cctype>
#include <regex>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "integration/run_helpers.h"

namespace memgate::testing {
namespace {

void expect_one_usage_line(const CommandResult& r, const std::string& expected) {
  EXPECT_EQ(r.exit_code, 3) << r.output;
  EXPECT_EQ(r.output.rfind("memgate: error: ", 0), 0u) << r.output;
  EXPECT_EQ(r.output.find('\n'), r.output.size() - 1) << "one line: " << r.output;
  EXPECT_NE(r.output.find(expected), std::string::npos) << r.output;
}

TEST(Cli, AMistypedFlagIsNamedWithTheClosestOneNotBlamedOnTheCommand) {
  // Was "The following arguments were not expected: 1 sleep".
  const auto r = memgate({"run", "--max-rsss", "10M", "--", "sleep", "1"});
  expect_one_usage_line(r, "unknown option --max-rsss for 'memgate run'; did you mean --max-rss?");
  expect_one_usage_line(
      memgate({"baseline", "save", "--bogus-flag-x", "d"}),
      "unknown option --bogus-flag-x for 'memgate baseline save'; see 'memgate baseline save --help'");
  expect_one_usage_line(memgate({"runn"}), "unknown command 'runn' for 'memgate'; did you mean run?");
  // The target's own flags after -- (or after its first word) are the target's.
  const auto ok = memgate({"run", "--quiet", "--no-plot", "--out", fresh_dir("cli_target_flags") + "/run", "--", "sh",
                           "-c", "exit 0", "--max-rsss"});
  EXPECT_EQ(ok.exit_code, 2) << ok.output;  // too short to judge, but run
}

TEST(Cli, ParserErrorsCarryThePrefixAndWhereToLook) {
  expect_one_usage_line(memgate({"run", "--hz", "abc", "--", "true"}), "(see 'memgate run --help')");
  expect_one_usage_line(memgate({"report"}), "(see 'memgate report --help')");
  expect_one_usage_line(memgate({"run", "--max-rss", "12 parsecs", "--", "true"}), "expected a size such as");
}

TEST(Cli, HelpShowsValueNamesAndDefaultsWithoutParserInternals) {
  for (const char* command : {"run", "report", "compare", "sizes", "gen", "replay", "doctor", "baseline"}) {
    const auto r = memgate({command, "--help"});
    ASSERT_EQ(r.exit_code, 0) << command;
    for (const char* internal : {"{false}", "{true}", "FLOAT:", "INT:", "TEXT:", "REQUIRED", " in [", "TEXT "})
      EXPECT_EQ(r.output.find(internal), std::string::npos) << command << " shows " << internal << ":\n" << r.output;
    EXPECT_NE(r.output.find(std::string("Usage: memgate ") + command), std::string::npos) << r.output;
  }
  const auto run = memgate({"run", "--help"}).output;
  EXPECT_NE(run.find("--abort-on none|budget|fail"), std::string::npos) << run;
  EXPECT_NE(run.find("Samples per second of the whole tree (default 10)"), std::string::npos) << run;
  EXPECT_NE(run.find("Usage: memgate run [OPTIONS] CMD ARGS..."), std::string::npos) << run;
}

TEST(Cli, VersionNamesTheCommitAndTheBuildType) {
  const auto r = memgate({"--version"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_TRUE(std::regex_search(
      r.output, std::regex(R"(^memgate \d+\.\d+\.\d+ \(commit ([0-9a-f]{7,}(-dirty)?|unknown), \S+ build\))")))
      << r.output;
}

TEST(Cli, DoctorJsonListsTheFindingsForScripts) {
  const auto r = memgate_split({"doctor", "--json"});
  ASSERT_TRUE(r.exit_code == 0 || r.exit_code == 3) << r.err;
  const auto doc = nlohmann::json::parse(r.out);
  EXPECT_EQ(doc["schema"], "memgate.doctor/1");
  EXPECT_EQ(doc["ok"], r.exit_code == 0);
  bool kernel = false, jemalloc = false;
  for (const auto& f : doc["findings"]) {
    ASSERT_TRUE(f["ok"].is_boolean() && f["required"].is_boolean() && f["name"].is_string()) << f;
    kernel |= f["name"] == "kernel";
    jemalloc |= f["name"] == "allocator jemalloc";
  }
  EXPECT_TRUE(kernel && jemalloc) << r.out;
  // Run from the build tree, memgate finds every part of itself there (sys/install_paths.h).
  std::vector<std::string> parts{"memgate-spawn",  "probe library", "heap sampler library",
                                 "report scripts", "scenarios",     "schemas"};
#ifdef MEMGATE_PIPELINES_DIR
  parts.push_back("pipelines");  // built unless MEMGATE_PIPELINES=OFF (the sanitizer presets)
#else
  EXPECT_EQ(doc["parts"]["pipelines"]["found_in"], "not found") << r.out;
#endif
  for (const std::string& part : parts) {
    EXPECT_EQ(doc["parts"][part]["found"], true) << part << ": " << r.out;
    EXPECT_EQ(doc["parts"][part]["found_in"], "build tree") << part << ": " << r.out;
  }
}

TEST(Cli, DecimalAndBinarySizesRatesPerMinuteAndCompoundDurations) {
  expect_one_usage_line(memgate({"run", "--duration", "1h30", "--", "true"}), "is not a duration");
  const std::string dir = fresh_dir("cli_units");
  const auto r = memgate({"run", "--quiet", "--no-plot", "--out", dir + "/run", "--max-rss", "5MB", "--duration",
                          "0m1s500ms", "--tolerance", "2MiB/min", "--", "sleep", "5"});
  EXPECT_EQ(r.exit_code, 2) << r.output;  // stopped at 1.5 s: too short to judge
  const auto meta = read_json(dir + "/run/meta.json");
  EXPECT_EQ(meta["checks"]["max_rss"], 5'000'000);  // MB is decimal; it was 5 MiB
  EXPECT_EQ(meta["checks"]["tolerance"]["abs_per_h"], 120.0 * 1024 * 1024);
  EXPECT_EQ(meta["planned_duration_s"], 1.5);
}

TEST(Cli, ManPagesAreGeneratedFromTheHelpAndFormatCleanly) {
  for (const std::string command :
       {"", "-run", "-report", "-compare", "-sizes", "-doctor", "-gen", "-replay", "-baseline"}) {
    const std::string page = std::string(MEMGATE_MAN_DIR) + "/memgate" + command + ".1";
    const std::string text = slurp(page);
    ASSERT_FALSE(text.empty()) << page << " is missing: apt-get install help2man (ci/setup does) and rebuild";
    std::string title = "MEMGATE" + command;  // memgate-run(1) is titled MEMGATE-RUN
    for (char& c : title) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    EXPECT_NE(text.find(".TH " + title + " "), std::string::npos) << page;
    // groff's warnings are errors here: a page man renders with complaints is broken.
    const auto groff = run_command({"groff", "-man", "-Tutf8", "-ww", "-z", page});
    EXPECT_EQ(groff.exit_code, 0) << page << ": " << groff.output;
    EXPECT_EQ(groff.output, "") << page;
  }
  EXPECT_NE(slurp(std::string(MEMGATE_MAN_DIR) + "/memgate-run.1").find("\\-\\-max\\-rss"), std::string::npos);
}

// The completion, as bash calls it: COMP_WORDS up to the word being completed.
std::string complete(const std::string& words) {
  const std::string bin_dir = std::string(MEMGATE_BIN).substr(0, std::string(MEMGATE_BIN).rfind('/'));
  const auto r =
      run_command({"bash", "-c",
                   "source " + std::string(MEMGATE_SOURCE_DIR) +
                       "/harness/cli/completion/memgate.bash && PATH=" + bin_dir + ":$PATH && COMP_WORDS=(" + words +
                       ") && COMP_CWORD=$((${#COMP_WORDS[@]} - 1)) && _memgate && echo \"${COMPREPLY[*]}\""});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  return r.output.substr(0, r.output.find('\n'));
}

TEST(Cli, BashCompletionReadsSubcommandsAndFlagsFromTheHelp) {
  EXPECT_EQ(complete("memgate ''"), "run report doctor compare sizes gen replay baseline");
  EXPECT_EQ(complete("memgate r"), "run report replay");
  EXPECT_EQ(complete("memgate run --max-r"), "--max-rss --max-retained");  // from the Checks group
  EXPECT_EQ(complete("memgate baseline s"), "save show");
  EXPECT_EQ(complete("memgate baseline save --t"), "--to");
  EXPECT_EQ(complete("memgate doctor --j"), "--json");
  EXPECT_EQ(complete("memgate run --hz 5 -- --max"), "");  // the target's words are its own
}

}  // namespace
}  // namespace memgate::testing
