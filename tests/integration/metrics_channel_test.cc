// The metrics channel end to end: real child processes write JSON lines to the FIFO
// named in their environment; the MetricsSampler drains them without blocking.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <string>
#include <vector>

#include "integration/run_helpers.h"
#include "memgate/error.h"
#include "metrics/metrics_sampler.h"

namespace memgate::metrics {
namespace {

// The sampler's options for a FIFO at `path` recording `fields` as columns.
MetricsOptions channel(std::string path, std::vector<std::string> fields = {}) {
  MetricsOptions o;
  o.fifo_path = std::move(path);
  o.fields = std::move(fields);
  return o;
}

class NullSink : public EventSink {
 public:
  void event(double, std::string_view, nlohmann::json) override {}
};

// Runs `sh -c script` with the channel's variable set; returns the pid.
pid_t spawn_writer(const MetricsSampler& m, const std::string& script) {
  const std::string env = m.env_for_target();
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::putenv(const_cast<char*>(env.c_str()));
    ::execl("/bin/sh", "sh", "-c", script.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  return pid;
}

int wait_for(pid_t pid) {
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST(MetricsChannel, RecordsDeclaredColumnsAndTheFinalAccountingLine) {
  const auto dir = testing::fresh_dir("metrics");
  MetricsSampler m(channel(dir + "/metrics.fifo", {"queue_depth", "throttled"}));
  EXPECT_EQ(m.env_for_target(), "MEMGATE_METRICS_PATH=" + dir + "/metrics.fifo");
  EXPECT_EQ(m.columns(), (std::vector<std::string>{"metric_queue_depth", "metric_throttled"}));
  NullSink sink;
  m.start(::getpid(), sink);
  std::vector<double> row(2, NAN);
  m.tick(0, row, sink);  // nobody has written yet: nothing blocks, nothing is filled
  EXPECT_TRUE(std::isnan(row[0]));

  const pid_t pid = spawn_writer(
      m,
      "printf '{\"pid\":%d,\"queue_depth\":7,\"throttled\":true,\"spilled\":3}\\n' $$ > \"$MEMGATE_METRICS_PATH\"; "
      "printf 'garbage\\n' > \"$MEMGATE_METRICS_PATH\"; "
      "printf '{\"pid\":%d,\"accounting\":{\"received\":5,\"lost\":0}}\\n' $$ > \"$MEMGATE_METRICS_PATH\"");
  ASSERT_EQ(wait_for(pid), 0);
  m.tick(1, row, sink);
  EXPECT_EQ(row[0], 7);
  EXPECT_EQ(row[1], 1);
  const auto f = m.stop(2, sink).figures;
  EXPECT_EQ(f["lines"], 3);
  EXPECT_EQ(f["malformed_lines"], 1);
  EXPECT_EQ(f["last"]["spilled"], 3);  // undeclared fields are kept as latest values
  EXPECT_EQ(f["accounting"]["received"], 5);
  EXPECT_EQ(f["writers"][0]["pid"], pid);
}

TEST(MetricsChannel, SeveralWritersNeverInterleaveLines) {
  const auto dir = testing::fresh_dir("metrics-multi");
  MetricsSampler m(channel(dir + "/metrics.fifo", {"n"}));
  NullSink sink;
  m.start(::getpid(), sink);
  // Two processes, 2,000 lines each of ~200 bytes: far more than the 64 KiB pipe holds,
  // so the writers block on a full pipe while we drain tick by tick.
  const std::string script =
      "exec 3>\"$MEMGATE_METRICS_PATH\"; pad=$(printf '%0180d' 0); i=0; "
      "while [ $i -lt 2000 ]; do printf '{\"pid\":%d,\"n\":%d,\"pad\":\"%s\"}\\n' $$ $i $pad >&3; i=$((i+1)); done";
  const pid_t a = spawn_writer(m, script), b = spawn_writer(m, script);
  std::vector<double> row(1);
  int exited = 0;
  for (int t = 0; exited < 2 && t < 20000; ++t) {
    m.tick(t, row, sink);
    int status;
    exited += (::waitpid(a, &status, WNOHANG) == a) + (::waitpid(b, &status, WNOHANG) == b);
    ::usleep(1000);
  }
  ASSERT_EQ(exited, 2);
  const auto f = m.stop(0, sink).figures;
  EXPECT_EQ(f["lines"], 4000);
  EXPECT_EQ(f["malformed_lines"], 0);
  EXPECT_EQ(f["writers"].size(), 2u);
}

TEST(MetricsChannel, RefusesAPathThatCannotBeCreated) {
  EXPECT_THROW(MetricsSampler(channel("/nonexistent-dir/metrics.fifo")), Error);
}

}  // namespace
}  // namespace memgate::metrics
