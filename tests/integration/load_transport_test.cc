// Transports end to end with a real child (tests/helpers/load/load_reader): every record
// the driver counts as accepted arrives; a slow reader shows up as blocked time; an
// external load command starts and stops with its phase.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <stdexcept>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "integration/run_helpers.h"
#include "load/traffic_driver.h"

extern char** environ;

namespace memgate::load {
namespace {

using memgate::testing::fresh_dir;
using memgate::testing::helper;
using memgate::testing::read_json;

// Starts argv with stdin_fd as its stdin (-1: inherit); returns the pid.
pid_t spawn(const std::vector<std::string>& argv, int stdin_fd = -1) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  if (stdin_fd >= 0) posix_spawn_file_actions_adddup2(&actions, stdin_fd, 0);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = -1;
  const int rc = ::posix_spawn(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  // Never hand back -1: kill(-1, ...) would signal every process we may signal.
  if (rc != 0 || pid <= 0) throw std::runtime_error("cannot start " + argv[0] + ": " + std::strerror(rc));
  return pid;
}

int wait_exit(pid_t pid) {
  if (pid <= 0) return -1;
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

Stage constant(double rate, double duration) {
  Stage s;
  s.rate = rate;
  s.duration_s = duration;
  return s;
}

void wait_finished(const TrafficDriver& driver, double timeout_s) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout_s);
  while (!driver.finished() && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
}

TEST(LoadTransport, StdinPipeDeliversEveryRecord) {
  const std::string report = fresh_dir("load_stdin") + "/reader.json";
  int fds[2];
  ASSERT_EQ(::pipe2(fds, O_CLOEXEC), 0);
  const pid_t pid = spawn({helper("load_reader"), "--report", report}, fds[0]);
  ::close(fds[0]);
  TrafficConfig config;
  config.stages = {constant(4000, 0.5)};
  config.payload.sensors.bad_fraction = 0.05;
  TrafficDriver driver(config);
  driver.start(fds[1]);
  wait_finished(driver, 10);
  const auto figures = driver.stop();
  ASSERT_EQ(wait_exit(pid), 0);
  EXPECT_EQ(figures["offered"], 2000);
  EXPECT_EQ(figures["sent"], 2000);
  EXPECT_EQ(figures["accepted"], 2000);
  EXPECT_EQ(figures["dropped"], 0);
  EXPECT_GT(figures["payload_stats"]["bad_records"]["total"].get<int>(), 0);
  const auto got = read_json(report);
  EXPECT_EQ(got["lines"], 2000);
  EXPECT_EQ(got["ends_with_newline"], true);
}

TEST(LoadTransport, UnixSocketAndTcpDeliverEveryRecord) {
  const std::string dir = fresh_dir("load_sockets");
  for (const std::string kind : {"unix", "tcp"}) {
    SCOPED_TRACE(kind);
    const std::string report = dir + "/" + kind + ".json";
    TrafficConfig config;
    config.stages = {constant(2000, 0.5)};
    config.payload.kind = PayloadSpec::Kind::od_pairs;
    config.payload.od_pairs.pairs = 10000;
    config.payload.od_pairs.chunk = 10;  // 1000 chunk records, all due within the stage
    pid_t pid;
    if (kind == "unix") {
      config.transport.kind = TransportSpec::Kind::unix_socket;
      config.transport.path = dir + "/target.sock";
      pid = spawn({helper("load_reader"), "--unix", config.transport.path, "--report", report});
    } else {
      config.transport.kind = TransportSpec::Kind::tcp;
      config.transport.port = 20000 + static_cast<int>(::getpid() % 30000);
      pid = spawn({helper("load_reader"), "--tcp", std::to_string(config.transport.port), "--report", report});
    }
    TrafficDriver driver(config);  // connects while the reader starts listening
    driver.start();
    wait_finished(driver, 10);
    const auto figures = driver.stop();
    ASSERT_EQ(wait_exit(pid), 0);
    EXPECT_FALSE(figures.contains("error")) << figures.dump();
    EXPECT_EQ(figures["accepted"], 1000);
    EXPECT_EQ(read_json(report)["lines"], 1000);
  }
}

TEST(LoadTransport, SlowReaderShowsAsBlockedTime) {
  const std::string report = fresh_dir("load_slow") + "/reader.json";
  int fds[2];
  ASSERT_EQ(::pipe2(fds, O_CLOEXEC), 0);
  // ~40 KB/s of reading against ~3 MB/s of offered records.
  const pid_t pid =
      spawn({helper("load_reader"), "--read-bytes", "4096", "--sleep-ms-per-read", "100", "--report", report}, fds[0]);
  ::close(fds[0]);
  TrafficConfig config;
  config.stages = {constant(20000, 10)};
  TrafficDriver driver(config);
  driver.start(fds[1]);
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  const auto figures = driver.stop();
  if (pid > 0) ::kill(pid, SIGTERM);
  wait_exit(pid);
  EXPECT_GT(figures["blocked_s"].get<double>(), 1.0) << figures.dump();
  EXPECT_LT(figures["accepted"].get<double>(), figures["offered"].get<double>() / 2) << figures.dump();
  EXPECT_FALSE(figures["peer_closed"].get<bool>());
}

TEST(LoadTransport, ExternalCommandRunsOnlyDuringItsPhase) {
  const std::string marks = fresh_dir("load_command") + "/starts.txt";
  TrafficConfig config;
  config.payload.kind = PayloadSpec::Kind::none;
  config.transport.kind = TransportSpec::Kind::command;
  config.transport.argv = {"sh", "-c", "echo started >> " + marks + "; exec sleep 100"};
  config.transport.phases = {"burst"};
  config.stages = {constant(0, 2)};
  Burst burst;
  burst.at_s = {0.5};
  burst.duration_s = 0.7;
  config.bursts = {burst};
  TrafficDriver driver(config);
  EXPECT_EQ(driver.phase_at(0.6), "burst");
  driver.start();
  wait_finished(driver, 10);
  const auto figures = driver.stop();
  EXPECT_EQ(figures["starts"], 1) << figures.dump();
  ASSERT_EQ(figures["exits"].size(), 1u);
  EXPECT_NE(figures["exits"][0].get<std::string>().find("SIGTERM"), std::string::npos) << figures.dump();
  EXPECT_NEAR(figures["running_s"].get<double>(), 0.7, 0.15);
  std::ifstream in(marks);
  std::string line;
  int lines = 0;
  while (std::getline(in, line)) ++lines;
  EXPECT_EQ(lines, 1);
}

TEST(LoadTransport, UnreachableEndpointIsReportedNotThrown) {
  TrafficConfig config;
  config.stages = {constant(10, 1)};
  config.transport.kind = TransportSpec::Kind::unix_socket;
  config.transport.path = fresh_dir("load_unreachable") + "/nobody.sock";
  config.transport.connect_timeout_s = 0.3;
  TrafficDriver driver(config);
  driver.start();
  wait_finished(driver, 5);
  const auto figures = driver.stop();
  EXPECT_EQ(figures["error_exit_code"], 4);
  EXPECT_NE(figures["error"].get<std::string>().find("nobody.sock"), std::string::npos);
}

}  // namespace
}  // namespace memgate::load
