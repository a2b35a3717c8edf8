// eBPF peaks beside /proc's: literal eBPF sections and polled VmHWM in, the report's
// "peaks" object and the closing-summary line out.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "report/peak_comparison.h"

namespace memgate::report {
namespace {

constexpr std::uint64_t MiB = 1 << 20;

nlohmann::json ebpf_section() {
  return {{"supported", true},
          {"peak_bytes", 100 * MiB},
          {"processes",
           {{{"pid", 10}, {"comm", "spike"}, {"peak_bytes", 96 * MiB}, {"exited", false}},
            {{"pid", 11}, {"comm", "child,1"}, {"peak_bytes", 40 * MiB}, {"exited", true}, {"maxrss_bytes", 40 * MiB}},
            {{"pid", 12}, {"comm", "brief"}, {"peak_bytes", 8 * MiB}, {"exited", true}, {"maxrss_bytes", 8 * MiB}}}}};
}

RunSummary polled(double rss_peak, double hwm_peak) {
  RunSummary s;
  s.rss.samples = s.hwm_max.samples = 10;
  s.rss.max = rss_peak;
  s.hwm_max.max = hwm_peak;
  return s;
}

TEST(ReportPeaks, TreeAndProcessesSideBySide) {
  // The 10 Hz poll saw the tree at 32 MiB; VmHWM caught the 96 MiB spike of pid 10.
  const std::map<ProcessKey, std::uint64_t> hwm = {{{10, "spike"}, 96 * MiB}, {{11, "child_1"}, 39 * MiB}};
  const nlohmann::json peaks = compare_peaks(ebpf_section(), hwm, polled(32.0 * MiB, 96.0 * MiB));
  const auto& tree = peaks["tree"];
  EXPECT_EQ(tree["ebpf_peak_bytes"], 100 * MiB);
  EXPECT_EQ(tree["proc_rss_peak_bytes"], 32.0 * MiB);
  EXPECT_EQ(tree["proc_hwm_max_bytes"], 96.0 * MiB);
  EXPECT_EQ(tree["missed_by_polling_bytes"], 68.0 * MiB);
  ASSERT_EQ(peaks["processes"].size(), 3u);
  const auto& spike = peaks["processes"][0];
  EXPECT_EQ(spike["pid"], 10);
  EXPECT_EQ(spike["ebpf_peak_bytes"], 96 * MiB);
  EXPECT_EQ(spike["proc_hwm_bytes"], 96 * MiB);
  EXPECT_EQ(spike["ebpf_minus_proc_hwm_bytes"], 0.0);
  EXPECT_FALSE(spike.contains("kernel_maxrss_bytes"));
  // A comm with a comma matches the row processes.csv wrote for it ("child_1").
  const auto& child = peaks["processes"][1];
  EXPECT_EQ(child["comm"], "child_1");
  EXPECT_EQ(child["proc_hwm_bytes"], 39 * MiB);
  EXPECT_EQ(child["ebpf_minus_proc_hwm_bytes"], 1.0 * MiB);
  EXPECT_EQ(child["kernel_maxrss_bytes"], 40 * MiB);
  // Lived between two process ticks: never polled.
  const auto& brief = peaks["processes"][2];
  EXPECT_TRUE(brief["proc_hwm_bytes"].is_null());
  EXPECT_TRUE(brief["ebpf_minus_proc_hwm_bytes"].is_null());

  EXPECT_EQ(peaks_line(peaks, 2),
            "peaks, eBPF exact vs /proc: tree 100.0 MiB vs RSS-sum peak 32.0 MiB (largest VmHWM 96.0 MiB); "
            "pid 10 spike 96.0 MiB vs VmHWM 96.0 MiB, pid 11 child_1 40.0 MiB vs VmHWM 39.0 MiB (at exit 40.0 MiB)");
  EXPECT_NE(peaks_line(peaks).find("pid 12 brief 8.0 MiB vs VmHWM never polled (at exit 8.0 MiB)"), std::string::npos);
}

// The summary line shows the fork correction when forked children's view counted.
TEST(ReportPeaks, ForkCorrectionIsShown) {
  nlohmann::json ebpf = ebpf_section();
  ebpf["fork_corrected_peak_bytes"] = 55 * MiB;
  ebpf["fork_copy_bytes"] = 45 * MiB;
  const nlohmann::json peaks = compare_peaks(ebpf, {}, polled(54.0 * MiB, 40.0 * MiB));
  EXPECT_EQ(peaks["tree"]["ebpf_fork_corrected_peak_bytes"], 55 * MiB);
  EXPECT_EQ(peaks["tree"]["fork_copy_bytes"], 45 * MiB);
  EXPECT_NE(peaks_line(peaks, 0).find("tree 100.0 MiB (55.0 MiB without the 45.0 MiB forked children shared "
                                      "copy-on-write with their parent) vs RSS-sum peak 54.0 MiB"),
            std::string::npos)
      << peaks_line(peaks, 0);
  // Recorded before the correction: null, and no note.
  const nlohmann::json old = compare_peaks(ebpf_section(), {}, polled(54.0 * MiB, 40.0 * MiB));
  EXPECT_TRUE(old["tree"]["fork_copy_bytes"].is_null());
  EXPECT_EQ(peaks_line(old, 0).find("without"), std::string::npos);
}

TEST(ReportPeaks, ProcessesToLookUpAreTheEbpfRows) {
  const auto keys = ebpf_processes(ebpf_section());
  EXPECT_EQ(keys, (std::set<ProcessKey>{{10, "spike"}, {11, "child_1"}, {12, "brief"}}));
  EXPECT_TRUE(ebpf_processes({{"supported", false}}).empty());
}

TEST(ReportPeaks, NullWithoutEbpfAndNoLine) {
  EXPECT_TRUE(compare_peaks(nullptr, {}, polled(1, 1)).is_null());
  EXPECT_TRUE(compare_peaks({{"supported", false}}, {}, polled(1, 1)).is_null());
  EXPECT_EQ(peaks_line(nullptr), "");
  // /proc never measured anything (target gone at once): figures are null, not 0.
  const nlohmann::json peaks = compare_peaks(ebpf_section(), {}, RunSummary{});
  EXPECT_TRUE(peaks["tree"]["proc_rss_peak_bytes"].is_null());
  EXPECT_TRUE(peaks["tree"]["missed_by_polling_bytes"].is_null());
  EXPECT_NE(peaks_line(peaks).find("vs RSS-sum peak n/a"), std::string::npos);
}

}  // namespace
}  // namespace memgate::report
