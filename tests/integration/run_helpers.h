// Running memgate and helper programs from the integration tests.
#pragma once

#include <sys/types.h>

#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace memgate::testing {

struct CommandResult {
  int exit_code = -1;  // exit status, or 128 + signal
  std::string output;  // stdout and stderr interleaved
};

// Runs argv to completion, capturing its output.
CommandResult run_command(const std::vector<std::string>& argv);

struct SplitResult {
  int exit_code = -1;
  std::string out, err;  // stdout and stderr apart (memgate --json: stdout is the report alone)
};
SplitResult run_command_split(const std::vector<std::string>& argv);

// memgate with the given arguments (MEMGATE_BIN).
CommandResult memgate(const std::vector<std::string>& args);
SplitResult memgate_split(const std::vector<std::string>& args);

std::string helper(const std::string& name);    // path of a tests/helpers program
std::string fresh_dir(const std::string& tag);  // an empty temporary directory
// Parses the file; a report.json or compare.json memgate wrote (outside tests/fixtures/)
// is also validated against docs/schemas/ (a test failure naming each error).
nlohmann::json read_json(const std::string& path);
// docs/schemas/<schema>.schema.json against the file: empty when valid, else the errors.
std::string schema_errors(const std::string& schema, const std::string& path);
// xmllint --schema tests/fixtures/schemas/junit.xsd: empty when valid, else the errors.
std::string junit_schema_errors(const std::string& path);
std::string slurp(const std::string& path);  // a whole file ("" when it cannot be read)
// Polls `done` every 10 ms for up to timeout_s; its last answer.
bool wait_for(const std::function<bool()>& done, double timeout_s);
// Alive and not a zombie (an orphan re-parented to a pid 1 that does not reap stays one).
bool alive(pid_t pid);
std::size_t count_lines(const std::string& path);
// The check `id` of a report.json, by value; when the report has no such check, a test
// failure and {"outcome": "missing", "summary": "", "figures": {}}.
nlohmann::json report_check(const nlohmann::json& report, const std::string& id);

}  // namespace memgate::testing
