// A Python parent that forks (and one that forks and execs): the eBPF tree peak is not
// inflated by the child's copy-on-write view of its parent (docs/ebpf.md "Fork without
// double counting"), and the exact peaks never sit below the polled tree sum.
#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "ebpf/ebpf_sampler.h"
#include "integration/run_helpers.h"

namespace memgate::testing {
namespace {

constexpr double kMiB = 1024.0 * 1024.0;

// The parent touches 64 MiB, forks; the child holds its copy-on-write view 0.6 s (long
// enough for the 10 Hz poll) and exits, or execs `sleep` at once.
constexpr const char* kScript = R"(import os, sys, time
data = bytearray(64 << 20)
for i in range(0, len(data), 4096): data[i] = 1
time.sleep(0.3)
pid = os.fork()
if pid == 0:
    if sys.argv[1] == "exec":
        os.execv("/bin/sleep", ["sleep", "0.6"])
    time.sleep(0.6)
    os._exit(0)
os.waitpid(pid, 0)
time.sleep(0.3)
)";

nlohmann::json run_forking_parent(const std::string& mode) {
  const std::string dir = fresh_dir("ebpf-fork-" + mode);
  const std::string script = dir + "/fork.py";
  std::ofstream(script) << kScript;
  const auto r = memgate({"run", "--out", dir + "/run", "--ebpf", "on", "--plateau", "none", "--no-plot", "--quiet",
                          "--", "/usr/bin/python3", script, mode});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  return read_json(dir + "/run/report.json");
}

void expect_not_inflated(const nlohmann::json& report) {
  const auto& ebpf = report["samplers"]["ebpf"];
  const auto& tree = report["peaks"]["tree"];
  // The plain sum did count the parent's 64 MiB twice, at one instant.
  EXPECT_GT(ebpf["kernel_peak_bytes"].get<double>(), 120 * kMiB) << ebpf.dump();
  // Without the child's view: the parent's 64 MiB plus the interpreter, not twice that.
  const double corrected = ebpf["fork_corrected_peak_bytes"].get<double>();
  EXPECT_GT(corrected, 64 * kMiB);
  EXPECT_LT(corrected, 100 * kMiB) << ebpf.dump();
  EXPECT_GT(ebpf["fork_copy_bytes"].get<double>(), 60 * kMiB);
  EXPECT_EQ(tree["ebpf_fork_corrected_peak_bytes"], ebpf["fork_corrected_peak_bytes"]);
  EXPECT_EQ(tree["fork_copy_bytes"], ebpf["fork_copy_bytes"]);
  // The exact RSS-sum peak bounds the polled one.
  EXPECT_GE(tree["missed_by_polling_bytes"].get<double>(), 0) << tree.dump();
}

TEST(EbpfFork, ForkedChildsCopyOnWriteViewIsNotCountedTwice) {
  const Support support = ebpf_support();
  if (!support.ok) GTEST_SKIP() << "eBPF unavailable: " << support.reason;
  const auto report = run_forking_parent("fork");
  expect_not_inflated(report);
  // The child lived through several polls: the polled RSS sum counts the view too.
  EXPECT_GT(report["peaks"]["tree"]["proc_rss_peak_bytes"].get<double>(), 120 * kMiB);
}

TEST(EbpfFork, ForkThenExecChargesOnlyTheNewProgram) {
  const Support support = ebpf_support();
  if (!support.ok) GTEST_SKIP() << "eBPF unavailable: " << support.reason;
  const auto report = run_forking_parent("exec");
  expect_not_inflated(report);
  EXPECT_GE(report["samplers"]["ebpf"]["execs"].get<int>(), 1);
  // After exec the child is `sleep` (a few MiB), charged in full: the polled sum never
  // saw the view, and the corrected peak stays within a few MiB of it.
  const auto& tree = report["peaks"]["tree"];
  EXPECT_LT(tree["proc_rss_peak_bytes"].get<double>(), 100 * kMiB);
  EXPECT_NEAR(tree["ebpf_fork_corrected_peak_bytes"].get<double>(), tree["proc_rss_peak_bytes"].get<double>(),
              8 * kMiB);
}

}  // namespace
}  // namespace memgate::testing
