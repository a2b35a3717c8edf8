// Every JSON file memgate reads or writes: hostile documents (deep nesting, numbers
// beyond a double, oversized files, directories) are usage errors naming the file and
// field; values with invalid UTF-8 are written (as U+FFFD) and nothing is left behind.
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "memgate/error.h"
#include "record/json_file.h"
#include "record/run_meta.h"

namespace memgate::record {
namespace {

std::string temp_path(const std::string& name) {
  return ::testing::TempDir() + "memgate_json_" + name + "_" + std::to_string(::getpid());
}

std::string error_of_text(const std::string& text) {
  try {
    parse_json_text(text, "f.json");
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::usage);
    return e.what();
  }
  ADD_FAILURE() << "expected an error for " << text.substr(0, 80);
  return "";
}

std::string nested_arrays(int depth) {
  return std::string(static_cast<std::size_t>(depth), '[') + std::string(static_cast<std::size_t>(depth), ']');
}

TEST(RecordJsonFile, NestingUpToTheLimitParsesOneLevelMoreIsRefused) {
  EXPECT_NO_THROW(parse_json_text(nested_arrays(kMaxJsonDepth), "f.json"));
  EXPECT_EQ(error_of_text(nested_arrays(kMaxJsonDepth + 1)), "f.json: nested deeper than 64 levels");
}

TEST(RecordJsonFile, HundredThousandLevelsAreRefusedNotACrash) {
  const int depth = 100'000;
  EXPECT_EQ(error_of_text("{\"description\": " + nested_arrays(depth) + "}"),
            "f.json: description: nested deeper than 64 levels");
  std::string objects;
  for (int i = 0; i < depth; ++i) objects += "{\"a\":";
  objects += "1" + std::string(static_cast<std::size_t>(depth), '}');
  EXPECT_EQ(error_of_text("{\"description\": " + objects + "}"), "f.json: description: nested deeper than 64 levels");
}

TEST(RecordJsonFile, NumberBeyondADoubleNamesItsField) {
  EXPECT_EQ(error_of_text(R"({"traffic": {"stages": [{"duration_s": 1}, {"rate": 1e400}]}})"),
            "f.json: traffic.stages[1].rate: number 1e400 does not fit a double (at most about 1.8e308)");
  EXPECT_EQ(error_of_text("[1, -1e999]"), "f.json: [1]: number -1e999 does not fit a double (at most about 1.8e308)");
}

TEST(RecordJsonFile, SyntaxErrorsAndCommentsAsAsked) {
  EXPECT_NE(error_of_text("{\"a\": ").find("f.json: not valid JSON: [json.exception.parse_error.101]"),
            std::string::npos);
  EXPECT_NE(error_of_text("{\"a\": 1 // note\n}").find("not valid JSON"), std::string::npos);
  EXPECT_EQ(parse_json_text("{\"a\": 1 // note\n}", "f.json", /*ignore_comments=*/true)["a"], 1);
}

TEST(RecordJsonFile, ParsedDocumentsAreTheSameAsNlohmanns) {
  const std::string text = R"({"a": [1, 2.5, "x", null, true, {"b": [[], {}]}], "c": -3, "d": 18446744073709551615})";
  EXPECT_EQ(parse_json_text(text, "f.json"), nlohmann::json::parse(text));
}

TEST(RecordJsonFile, FileOverItsCapOrADirectoryIsRefused) {
  const std::string path = temp_path("big.json");
  std::ofstream(path) << "[" << std::string(100, ' ') << "]";
  EXPECT_EQ(read_json_file(path).size(), 0u);
  try {
    read_json_file(path, {64, false, "scenario file"});
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), path + ": 102 bytes; a scenario file may be at most 64 bytes");
  }
  try {
    read_json_file(::testing::TempDir());
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::usage);
    EXPECT_NE(std::string(e.what()).find("is a directory"), std::string::npos) << e.what();
  }
}

TEST(RecordJsonFile, InvalidUtf8IsWrittenReplacedAndNoTempFileStays) {
  const std::string path = temp_path("utf8.json");
  nlohmann::json meta = {{"command",
                          {"sh", std::string("a\xff"
                                             "b")}},
                         {"environment", {{"MALLOC_ARENA_MAX", "\xfe"}}}};
  ASSERT_NO_THROW(write_json_file(path, meta));
  EXPECT_FALSE(std::filesystem::exists(path + ".tmp"));
  const nlohmann::json back = read_json_file(path);
  EXPECT_EQ(back["command"][1],
            "a\xEF\xBF\xBD"
            "b");
  EXPECT_EQ(back["environment"]["MALLOC_ARENA_MAX"], "\xEF\xBF\xBD");
  EXPECT_EQ(dump_json(nlohmann::json("\xff")), "\"\xEF\xBF\xBD\"");
}

TEST(RecordJsonFile, WriteIntoAMissingDirectoryFailsNamingIt) {
  const std::string path = temp_path("nodir") + "/meta.json";
  try {
    write_json_file(path, nlohmann::json::object());
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::usage);
    EXPECT_NE(std::string(e.what()).find(path + ".tmp"), std::string::npos) << e.what();
  }
}

std::string meta_error(const std::string& text) {
  const std::string path = temp_path("meta.json");
  std::ofstream(path) << text;
  try {
    read_run_meta(path);
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::usage);
    const std::string message = e.what();
    EXPECT_EQ(message.rfind(path + ": ", 0), 0u) << message;
    return message.substr(path.size() + 2);
  }
  ADD_FAILURE() << "expected an error for " << text;
  return "";
}

TEST(RecordJsonFile, CorruptMetaJsonNamesTheField) {
  EXPECT_EQ(meta_error("[1]"), "expected a JSON object (a memgate run's meta.json)");
  EXPECT_EQ(meta_error("{\"hz\": 1}"), "command: missing; expected the target's argv (an array of strings)");
  EXPECT_EQ(meta_error("{\"command\": \"x\"}"), "command: expected an array of strings (the target's argv)");
  EXPECT_EQ(meta_error("{\"command\": [\"x\"], \"hz\": 1e400}"),
            "hz: number 1e400 does not fit a double (at most about 1.8e308)");
  EXPECT_EQ(meta_error("{\"command\": [\"x\"], \"hz\": \"fast\"}"), "hz: expected a number");
  EXPECT_EQ(meta_error("{\"command\": [\"x\"], \"checks\": [1]}"), "checks: expected an object of check settings");
  EXPECT_EQ(meta_error("{\"command\": [\"x\"], \"samplers\": {\"a\": {\"checks\": [{\"id\": 1}]}}}"),
            "samplers.a.checks: expected objects with \"id\" and \"outcome\" strings");
  EXPECT_EQ(meta_error("{\"command\": [\"x\"], \"target_end\": {\"exit_code\": \"one\"}}"),
            "target_end.exit_code: expected an integer");
}

TEST(RecordJsonFile, MetaJsonRoundTrips) {
  RunMeta m;
  m.command = {"sh", "-c", "true"};
  m.hz = 10;
  m.target_end = TargetEnd{false, 3, 0, "", false, "exited with status 3"};
  const std::string path = temp_path("meta_ok.json");
  write_json_file(path, m);
  const RunMeta back = read_run_meta(path);
  EXPECT_EQ(back.command, m.command);
  EXPECT_EQ(back.hz, 10);
  ASSERT_TRUE(back.target_end);
  EXPECT_EQ(back.target_end->exit_code, 3);
}

}  // namespace
}  // namespace memgate::record
