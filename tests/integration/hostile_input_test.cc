// Hostile input end to end, through the real binary: every bad file, field or flag is
// one line naming it and exit 3 before the target starts (no run directory left), and
// nothing a user can feed memgate hangs it, crashes it or ends it with exit 5.
#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>

#include "integration/run_helpers.h"

namespace memgate::testing {
namespace {

namespace fs = std::filesystem;

std::string write_file(const std::string& path, const std::string& text) {
  std::ofstream(path) << text;
  return path;
}

std::string write_scenario(const std::string& path, const nlohmann::json& doc) { return write_file(path, doc.dump(2)); }

// `sh -c SCRIPT` killed after `seconds`: a hang shows as exit 137, not a stuck suite.
CommandResult shell(const std::string& script, int seconds = 30) {
  return run_command({"timeout", "-s", "KILL", std::to_string(seconds), "sh", "-c", script});
}

const std::string kBin = MEMGATE_BIN;

void expect_usage_error(const CommandResult& r, const std::string& names) {
  EXPECT_EQ(r.exit_code, 3) << r.output;
  EXPECT_NE(r.output.find(names), std::string::npos) << r.output;
}

// --- 1. endless replays of a trace without span -----------------------------------

TEST(HostileInput, EndlessReplayOfOneInstantEndsOnSigtermAndSigint) {
  const std::string dir = fresh_dir("hostile_eq");
  const std::string eq =
      write_file(dir + "/eq.jsonl", "{\"t\":1,\"line\":\"a\"}\n{\"t\":1,\"line\":\"b\"}\n{\"t\":1,\"line\":\"c\"}\n");
  const std::string down =
      write_file(dir + "/down.jsonl", "{\"t\":3,\"line\":\"a\"}\n{\"t\":2,\"line\":\"b\"}\n{\"t\":1,\"line\":\"c\"}\n");
  for (const std::string& trace : {eq, down})
    for (const char* sig : {"TERM", "INT"}) {
      const auto r = shell(
          kBin + " replay --loops 0 " + trace + " > /dev/null & p=$!; sleep 1; kill -" + sig + " $p; wait $p", 20);
      EXPECT_EQ(r.exit_code, 0) << sig << " " << trace << ": " << r.output;
      EXPECT_NE(r.output.find("\"offered\":"), std::string::npos) << r.output;  // the figures were printed
    }
}

TEST(HostileInput, ScenarioLoopingAnInstantTraceEndsWithAReport) {
  const std::string dir = fresh_dir("hostile_eq_scenario");
  write_file(dir + "/eq.jsonl", "{\"t\":0,\"line\":\"a\"}\n{\"t\":0,\"line\":\"b\"}\n");
  const std::string scenario = write_scenario(
      dir + "/s.json", {{"target", {{"command", {"sh", "-c", "exec cat > /dev/null"}}}},
                        {"traffic", {{"payload", {{"kind", "trace"}, {"path", "eq.jsonl"}, {"loops", 0}}}}},
                        {"sampling", {{"duration_s", 3}}}});
  const auto r = shell(kBin + " run --quiet --no-plot --out " + dir + "/run " + scenario, 30);
  EXPECT_NE(r.exit_code, 137) << "memgate hung: " << r.output;
  ASSERT_TRUE(fs::exists(dir + "/run/report.json")) << r.output;
  const auto meta = read_json(dir + "/run/meta.json");
  const auto& traffic = meta["samplers"]["traffic"];
  EXPECT_GE(traffic["offered"].get<double>(), 4) << traffic.dump();  // two records per second of trace, 3 s
  EXPECT_LE(traffic["offered"].get<double>(), 12) << traffic.dump();
}

// --- 2, 3. scenario files that crashed memgate or escaped as internal errors --------

TEST(HostileInput, DeeplyNestedScenarioIsAUsageError) {
  const std::string dir = fresh_dir("hostile_deep");
  const std::size_t depth = 100000;
  std::string objects;
  for (std::size_t i = 0; i < depth; ++i) objects += "{\"a\":";
  objects += "1" + std::string(depth, '}');
  for (const std::string& nested : {std::string(depth, '[') + std::string(depth, ']'), objects}) {
    const std::string path = write_file(dir + "/deep.json", "{\"description\": " + nested + "}");
    const auto r = memgate({"run", "--quiet", "--out", dir + "/run", path});
    expect_usage_error(r, path + ": description: nested deeper than 64 levels");
    EXPECT_FALSE(fs::exists(dir + "/run"));
  }
}

TEST(HostileInput, NumberBeyondADoubleNamesTheField) {
  const std::string dir = fresh_dir("hostile_1e400");
  const std::string path =
      write_file(dir + "/s.json",
                 R"({"target": {"command": ["cat"]}, "traffic": {"stages": [{"rate": 1e400, "duration_s": 1}]}})");
  const auto r = memgate({"run", "--quiet", "--out", dir + "/run", path});
  expect_usage_error(r, path + ": traffic.stages[0].rate: number 1e400 does not fit a double");
  EXPECT_FALSE(fs::exists(dir + "/run"));
}

TEST(HostileInput, ReportOnACorruptMetaJsonNamesFileAndField) {
  const std::string dir = fresh_dir("hostile_meta");
  const std::string run = dir + "/run";
  const auto made = memgate({"run", "--quiet", "--no-plot", "--out", run, "--", "sh", "-c", "sleep 0.3"});
  ASSERT_NE(made.exit_code, 5) << made.output;
  ASSERT_TRUE(fs::exists(run + "/meta.json"));
  const std::string meta = run + "/meta.json";
  const std::pair<std::string, std::string> cases[] = {
      {"[1]", meta + ": expected a JSON object"},
      {R"({"command": ["sh"], "hz": 1e400})", meta + ": hz: number 1e400 does not fit a double"},
      {R"({"hz": 10})", meta + ": command: missing"},
      {R"({"command": ["sh"], "checks": [1]})", meta + ": checks: expected an object"},
  };
  for (const auto& [text, names] : cases) {
    write_file(meta, text);
    expect_usage_error(memgate({"report", run}), names);
  }
}

// --- 4. bytes that are not UTF-8 --------------------------------------------------

TEST(HostileInput, InvalidUtf8InArgvEnvironmentAndOutPathIsRecordedReplaced) {
  const std::string dir = fresh_dir("hostile_utf8");
  const std::string run = dir + "/run\xff";
  const auto r = run_command({"env", "MALLOC_ARENA_MAX=\xff", kBin, "run", "--quiet", "--no-plot", "--out", run, "--",
                              "sh", "-c", "sleep 0.3",
                              "a\xff"
                              "b"});
  EXPECT_NE(r.exit_code, 5) << r.output;
  EXPECT_EQ(r.output.find("internal error"), std::string::npos) << r.output;
  ASSERT_TRUE(fs::exists(run + "/meta.json")) << r.output;
  EXPECT_FALSE(fs::exists(run + "/meta.json.tmp"));
  EXPECT_TRUE(fs::exists(run + "/report.json"));
  const auto meta = read_json(run + "/meta.json");
  EXPECT_EQ(meta["command"].back(),
            "a\xEF\xBF\xBD"
            "b");
  EXPECT_EQ(meta["environment"]["MALLOC_ARENA_MAX"], "\xEF\xBF\xBD");
  EXPECT_NE(memgate({"report", run}).exit_code, 5);
  // The replay figures name the trace path: printed, not an internal error.
  const std::string trace = write_file(dir + "/t\xff.jsonl", "{\"t\":0,\"line\":\"x\"}\n");
  const auto replay = shell(kBin + " replay '" + trace + "' > /dev/null");
  EXPECT_EQ(replay.exit_code, 0) << replay.output;
  EXPECT_NE(replay.output.find("\"replayed\":1"), std::string::npos) << replay.output;
}

// --- 5. no traffic must not pass ------------------------------------------------

TEST(HostileInput, AbsurdDurationsAreRefusedUpFront) {
  const std::string dir = fresh_dir("hostile_duration");
  const std::string path = write_scenario(
      dir + "/s.json",
      {{"target", {{"command", {"cat"}}}}, {"traffic", {{"stages", {{{"rate", 10}, {"duration_s", 1e308}}}}}}});
  expect_usage_error(memgate({"run", "--quiet", "--out", dir + "/run", path}),
                     path + ": traffic.stages[0].duration_s: expected a duration > 0, at most 1000 days");
  EXPECT_FALSE(fs::exists(dir + "/run"));
  expect_usage_error(memgate({"gen", "--out", dir + "/t.jsonl", "--rate", "1", "--duration", "1e20s"}),
                     "--duration: '1e20s': at most 1000 days");
  EXPECT_FALSE(fs::exists(dir + "/t.jsonl"));
}

TEST(HostileInput, RunWhoseTrafficOfferedNothingIsInconclusive) {
  const std::string dir = fresh_dir("hostile_no_traffic");
  // The first record is due at 10 s; the run lasts 1 s.
  const std::string path =
      write_scenario(dir + "/s.json", {{"target", {{"command", {"sh", "-c", "exec cat > /dev/null"}}}},
                                       {"traffic", {{"stages", {{{"rate", 0.1}, {"duration_s", 60}}}}}},
                                       {"sampling", {{"duration_s", 1}}}});
  const auto r = memgate({"run", "--quiet", "--no-plot", "--out", dir + "/run", path});
  EXPECT_EQ(r.exit_code, 2) << r.output;
  const auto check = report_check(read_json(dir + "/run/report.json"), "traffic");
  EXPECT_EQ(check["outcome"], "inconclusive") << check.dump();
  EXPECT_NE(check["summary"].get<std::string>().find("none were offered"), std::string::npos) << check.dump();
}

// --- 6. what can be known before the start ----------------------------------------

TEST(HostileInput, BadPathsAreUsageErrorsBeforeTheTargetStarts) {
  const std::string dir = fresh_dir("hostile_paths");
  fs::create_directories(dir + "/traces");
  const nlohmann::json target = {{"command", {"sh", "-c", "exec cat > /dev/null"}}};
  const auto trace_scenario = [&](const std::string& trace) {
    return nlohmann::json{{"target", target}, {"traffic", {{"payload", {{"kind", "trace"}, {"path", trace}}}}}};
  };
  struct Case {
    nlohmann::json doc;
    std::string names;
  };
  const Case cases[] = {
      {trace_scenario("missing.jsonl"), "traffic.payload.path: " + dir + "/missing.jsonl: No such file or directory"},
      {trace_scenario("traces"), "traffic.payload.path: " + dir + "/traces is a directory"},
      {{{"target", target},
        {"traffic",
         {{"transport", {{"kind", "unix"}, {"path", "/tmp/" + std::string(120, 'u') + ".sock"}}},
          {"stages", {{{"rate", 10}, {"duration_s", 1}}}}}}},
       "traffic.transport.path: unix socket path is 130 bytes, the kernel takes at most 107"},
      {{{"target", {{"command", {"sh", "-c", "true"}}, {"cwd", "no/such/dir"}}}},
       "target.cwd: " + dir + "/no/such/dir"},
  };
  for (const Case& c : cases) {
    const std::string path = write_scenario(dir + "/s.json", c.doc);
    expect_usage_error(memgate({"run", "--quiet", "--out", dir + "/run", path}), path + ": " + c.names);
    EXPECT_FALSE(fs::exists(dir + "/run")) << c.names;
  }
  expect_usage_error(memgate({"replay", dir + "/traces"}), "is a directory");
  expect_usage_error(memgate({"replay", "--unix", "/tmp/" + std::string(120, 'u'), dir + "/missing.jsonl"}),
                     "cannot open trace file");
  write_file(dir + "/t.jsonl", "{\"t\":0,\"line\":\"x\"}\n");
  expect_usage_error(memgate({"replay", "--unix", "/tmp/" + std::string(120, 'u'), dir + "/t.jsonl"}),
                     "traffic.transport.path: unix socket path is 125 bytes");
}

// --- 7. the smaller ones --------------------------------------------------------------

TEST(HostileInput, ClosedStdoutIsAQuietEndAndTheReportIsWritten) {
  const std::string dir = fresh_dir("hostile_sigpipe");
  const auto r = shell("{ " + kBin + " run --no-plot --out " + dir +
                       "/run -- sh -c 'seq 1 20000; sleep 0.3'; echo $? > " + dir + "/rc; } | head -c1 > /dev/null");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  std::ifstream rc_file(dir + "/rc");
  int rc = -1;
  rc_file >> rc;
  EXPECT_NE(rc, 141) << "memgate died of SIGPIPE";
  EXPECT_NE(rc, 5);
  EXPECT_TRUE(fs::exists(dir + "/run/report.json"));
  EXPECT_EQ(r.output.find("could not write to stdout"), std::string::npos) << r.output;
}

TEST(HostileInput, GenRefusesAHugeTraceWithoutForce) {
  const std::string dir = fresh_dir("hostile_gen_size");
  const auto r = run_command(
      {"timeout", "-s", "KILL", "20", kBin, "gen", "--out", dir + "/t.jsonl", "--rate", "1000000", "--duration", "1d"});
  expect_usage_error(r, "over the 10 GiB gen writes without --force");
  EXPECT_FALSE(fs::exists(dir + "/t.jsonl"));
}

TEST(HostileInput, DirectoryAsTheCommandIsNamedAsSuch) {
  const std::string dir = fresh_dir("hostile_dir_cmd");
  const auto r = memgate({"run", "--quiet", "--no-plot", "--out", dir + "/run", "--", dir});
  EXPECT_EQ(r.exit_code, 4) << r.output;
  EXPECT_NE(r.output.find("it is a directory"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("chmod"), std::string::npos) << r.output;
}

TEST(HostileInput, HundredMegabyteTraceLineIsRefusedWithoutReadingItWhole) {
  const std::string dir = fresh_dir("hostile_long_line");
  {
    std::ofstream out(dir + "/long.jsonl");
    out << "{\"t\":0,\"line\":\"";
    const std::string chunk(1 << 20, 'x');
    for (int i = 0; i < 100; ++i) out << chunk;
    out << "\"}\n{\"t\":0.1,\"line\":\"ok\"}\n";
  }
  const auto failed = shell(kBin + " replay " + dir + "/long.jsonl > /dev/null");
  expect_usage_error(failed, "long.jsonl:1: longer than 16777216 bytes");
  // Skipped and counted, with memgate's peak RSS far below the line (GNU time's %M, KiB).
  const auto skipped =
      shell("command -v /usr/bin/time > /dev/null || { echo no-time; exit 0; }; /usr/bin/time -f 'maxrss=%M' " + kBin +
            " replay --skip-malformed " + dir + "/long.jsonl > " + dir + "/out.txt");
  ASSERT_EQ(skipped.exit_code, 0) << skipped.output;
  EXPECT_EQ(count_lines(dir + "/out.txt"), 1u);
  EXPECT_NE(skipped.output.find("\"oversized_lines\":1"), std::string::npos) << skipped.output;
  const auto at = skipped.output.find("maxrss=");
  ASSERT_NE(at, std::string::npos) << "/usr/bin/time is missing (ci/setup installs Debian's time): " << skipped.output;
  EXPECT_LT(std::stol(skipped.output.substr(at + 7)), 80 * 1024) << skipped.output;
}

}  // namespace
}  // namespace memgate::testing
