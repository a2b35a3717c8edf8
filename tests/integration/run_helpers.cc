#include "integration/run_helpers.h"
#include "integration/run_events.h"

#include <gtest/gtest.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace memgate::testing {

namespace {
// In the forked child: becomes argv, or exits 127 saying why.
[[noreturn]] void exec_argv(const std::vector<std::string>& argv) {
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  ::execvp(args[0], args.data());
  std::perror("execvp");
  ::_exit(127);
}
}  // namespace

CommandResult run_command(const std::vector<std::string>& argv) {
  int pipe_fds[2];
  if (::pipe(pipe_fds) != 0) throw std::runtime_error("pipe failed");
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(pipe_fds[1], 1);
    ::dup2(pipe_fds[1], 2);
    ::close(pipe_fds[0]);
    ::close(pipe_fds[1]);
    exec_argv(argv);
  }
  ::close(pipe_fds[1]);
  CommandResult result;
  char buf[4096];
  ssize_t n;
  while ((n = ::read(pipe_fds[0], buf, sizeof buf)) > 0) result.output.append(buf, static_cast<std::size_t>(n));
  ::close(pipe_fds[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return result;
}

SplitResult run_command_split(const std::vector<std::string>& argv) {
  int out_fds[2], err_fds[2];
  if (::pipe(out_fds) != 0 || ::pipe(err_fds) != 0) throw std::runtime_error("pipe failed");
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(out_fds[1], 1);
    ::dup2(err_fds[1], 2);
    for (int fd : {out_fds[0], out_fds[1], err_fds[0], err_fds[1]}) ::close(fd);
    exec_argv(argv);
  }
  ::close(out_fds[1]);
  ::close(err_fds[1]);
  SplitResult result;
  // Both pipes drained together, so a child filling one never blocks on it.
  pollfd fds[2] = {{out_fds[0], POLLIN, 0}, {err_fds[0], POLLIN, 0}};
  std::string* sinks[2] = {&result.out, &result.err};
  int open_count = 2;
  char buf[4096];
  while (open_count > 0) {
    if (::poll(fds, 2, -1) < 0) continue;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP))) continue;
      const ssize_t n = ::read(fds[i].fd, buf, sizeof buf);
      if (n > 0) {
        sinks[i]->append(buf, static_cast<std::size_t>(n));
      } else {
        ::close(fds[i].fd);
        fds[i].fd = -1;
        --open_count;
      }
    }
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return result;
}

// memgate as the tests run it: outside any CI's environment (no GitHub annotations or
// step summary unless a test asks for them), `env` exec'ing it in place.
namespace {
std::vector<std::string> memgate_argv() {
  return {"env", "-u", "GITHUB_ACTIONS", "-u", "GITHUB_STEP_SUMMARY", MEMGATE_BIN};
}
}  // namespace

SplitResult memgate_split(const std::vector<std::string>& args) {
  std::vector<std::string> argv = memgate_argv();
  argv.insert(argv.end(), args.begin(), args.end());
  return run_command_split(argv);
}

namespace {
// A scenario file memgate accepted (run or compare did not exit 3) must be valid under
// docs/schemas/scenario.schema.json too: the schema is never stricter than the parser,
// and every scenario the tests write is checked against it.
void expect_accepted_scenarios_valid(const std::vector<std::string>& args, int exit_code) {
  if (args.empty() || (args[0] != "run" && args[0] != "compare") || exit_code == 3) return;
  for (std::size_t i = 1; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--") return;  // the command's own arguments follow
    const std::string& before = args[i - 1];
    const bool value_of_flag = before == "--out" || before == "--junit" || before == "--summary" ||
                               before == "--target-log" || before == "--junit-suite";
    if (value_of_flag || a.size() < 5 || a.compare(a.size() - 5, 5, ".json") != 0) continue;
    if (!std::filesystem::is_regular_file(a)) continue;
    const std::string errors = schema_errors("scenario", a);
    EXPECT_TRUE(errors.empty()) << "memgate accepted " << a
                                << " but docs/schemas/scenario.schema.json does not: " << errors;
  }
}
}  // namespace

CommandResult memgate(const std::vector<std::string>& args) {
  std::vector<std::string> argv = memgate_argv();
  argv.insert(argv.end(), args.begin(), args.end());
  auto result = run_command(argv);
  expect_accepted_scenarios_valid(args, result.exit_code);
  return result;
}

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

bool wait_for(const std::function<bool()>& done, double timeout_s) {
  for (double waited = 0; waited < timeout_s; waited += 0.01) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return done();
}

bool alive(pid_t pid) {
  if (pid <= 0) return false;
  const std::string stat = slurp("/proc/" + std::to_string(pid) + "/stat");
  const auto close = stat.rfind(')');
  if (close == std::string::npos || close + 2 >= stat.size()) return false;
  return stat[close + 2] != 'Z' && stat[close + 2] != 'X';
}

std::string helper(const std::string& name) { return std::string(MEMGATE_HELPERS_DIR) + "/" + name; }

std::string fresh_dir(const std::string& tag) {
  std::string templ = (std::filesystem::temp_directory_path() / ("memgate-test-" + tag + "-XXXXXX")).string();
  if (!::mkdtemp(templ.data())) throw std::runtime_error("mkdtemp failed");
  return templ;
}

std::string schema_errors(const std::string& schema, const std::string& path) {
  const std::string root = MEMGATE_SOURCE_DIR;
  const auto r = run_command({"/usr/bin/python3", root + "/tests/schemas/validate_json.py",
                              root + "/docs/schemas/" + schema + ".schema.json", path});
  return r.exit_code == 0 ? "" : "exit " + std::to_string(r.exit_code) + ": " + r.output;
}

std::string junit_schema_errors(const std::string& path) {
  const auto r = run_command(
      {"xmllint", "--noout", "--schema", std::string(MEMGATE_SOURCE_DIR) + "/tests/fixtures/schemas/junit.xsd", path});
  return r.exit_code == 0
             ? ""
             : "exit " + std::to_string(r.exit_code) + " (xmllint: apt-get install libxml2-utils): " + r.output;
}

nlohmann::json read_json(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read " + path);
  auto doc = nlohmann::json::parse(in);
  // What memgate wrote, never the goldens (their placeholders are not values).
  const std::string name = std::filesystem::path(path).filename().string();
  const bool fixture = path.find(std::string(MEMGATE_SOURCE_DIR) + "/tests/fixtures/") == 0;
  if (!fixture && (name == "report.json" || name == "compare.json" || name == "sizes.json")) {
    const std::string errors = schema_errors(name.substr(0, name.find('.')), path);
    EXPECT_TRUE(errors.empty()) << path << " does not match its JSON Schema (docs/schemas/): " << errors;
  }
  return doc;
}

std::size_t count_lines(const std::string& path) {
  std::ifstream in(path);
  std::size_t lines = 0;
  std::string line;
  while (std::getline(in, line)) ++lines;
  return lines;
}

std::vector<nlohmann::json> events(const std::string& dir, const std::string& kind) {
  std::vector<nlohmann::json> out;
  std::ifstream in(dir + "/events.jsonl");
  for (std::string line; std::getline(in, line);) {
    const auto e = nlohmann::json::parse(line);
    if (e.value("kind", "") == kind) out.push_back(e);
  }
  return out;
}

nlohmann::json report_check(const nlohmann::json& report, const std::string& id) {
  if (report.contains("checks"))
    for (const auto& c : report["checks"])
      if (c["id"] == id) return c;
  ADD_FAILURE() << "no check " << id << " in "
                << (report.contains("checks") ? report["checks"].dump() : "a report without checks");
  return {{"outcome", "missing"}, {"summary", ""}, {"figures", nlohmann::json::object()}};
}

}  // namespace memgate::testing
