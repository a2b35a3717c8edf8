// Deciding whether eBPF can run, from literal host facts; and libbpf's messages
// reaching memgate's logger.
#include <gtest/gtest.h>

#ifdef MEMGATE_HAVE_EBPF
#include <bpf/libbpf.h>

#include <string>
#include <vector>

#include "ebpf/ebpf_sampler.h"
#include "ebpf/ebpf_support.h"

namespace memgate::ebpf {
namespace {

constexpr std::uint64_t bit(int cap) { return 1ULL << cap; }

HostFacts root_facts() { return {true, 0x1ffffffffffULL, "[none] integrity confidentiality"}; }

TEST(EbpfSupport, RootWithBtfIsSupported) {
  const Support s = assess_ebpf_support(root_facts());
  EXPECT_TRUE(s.ok);
  EXPECT_TRUE(s.reason.empty());
}

TEST(EbpfSupport, MissingBtfSaysSoAndHowToFix) {
  HostFacts f = root_facts();
  f.btf_present = false;
  const Support s = assess_ebpf_support(f);
  EXPECT_FALSE(s.ok);
  EXPECT_NE(s.reason.find("/sys/kernel/btf/vmlinux"), std::string::npos);
  EXPECT_NE(s.reason.find("CONFIG_DEBUG_INFO_BTF"), std::string::npos);
}

TEST(EbpfSupport, CapBpfAndPerfmonSufficeButOneAloneDoesNot) {
  HostFacts f = root_facts();
  f.cap_effective = bit(kCapBpf) | bit(kCapPerfmon);
  EXPECT_TRUE(assess_ebpf_support(f).ok);
  f.cap_effective = bit(kCapBpf);
  const Support s = assess_ebpf_support(f);
  EXPECT_FALSE(s.ok);
  EXPECT_NE(s.reason.find("CAP_BPF+CAP_PERFMON"), std::string::npos);
  f.cap_effective = bit(kCapSysAdmin);
  EXPECT_TRUE(assess_ebpf_support(f).ok);
  f.cap_effective = std::nullopt;
  EXPECT_FALSE(assess_ebpf_support(f).ok);
}

TEST(EbpfSupport, LockdownConfidentialityRefuses) {
  HostFacts f = root_facts();
  f.lockdown = "none integrity [confidentiality]";
  const Support s = assess_ebpf_support(f);
  EXPECT_FALSE(s.ok);
  EXPECT_NE(s.reason.find("lockdown"), std::string::npos);
  f.lockdown = "none [integrity] confidentiality";  // what these machines run: tracing allowed
  EXPECT_TRUE(assess_ebpf_support(f).ok);
}

TEST(EbpfSupport, ParsesCapEffFromStatus) {
  EXPECT_EQ(parse_cap_effective("Name:\tx\nCapPrm:\t0000000000000000\nCapEff:\t000001ffffffffff\nCapBnd:\t0\n"),
            0x1ffffffffffULL);
  EXPECT_EQ(parse_cap_effective("CapEff:\t0000000000000000\n"), 0u);
  EXPECT_FALSE(parse_cap_effective("Name:\tx\n").has_value());
  EXPECT_FALSE(parse_cap_effective("CapEff:\tzz\n").has_value());
}

TEST(EbpfLogging, LibbpfWarningsReachTheLoggerDebugOnlyWhenVerbose) {
  std::vector<std::pair<EbpfLogLevel, std::string>> lines;
  set_ebpf_logger([&](EbpfLogLevel level, std::string_view line) { lines.emplace_back(level, std::string(line)); },
                  /*verbose=*/false);
  EXPECT_EQ(bpf_object__open_file("/nonexistent/memgate.bpf.o", nullptr), nullptr);
  ASSERT_FALSE(lines.empty());
  for (const auto& [level, line] : lines) EXPECT_EQ(level, EbpfLogLevel::warn) << line;
  EXPECT_NE(lines.back().second.find("/nonexistent/memgate.bpf.o"), std::string::npos);
  EXPECT_EQ(lines.back().second.back() != '\n', true);  // trailing newline stripped
  set_ebpf_logger(nullptr, false);
}

}  // namespace
}  // namespace memgate::ebpf

#else
TEST(EbpfSupport, NotBuilt) { GTEST_SKIP() << "eBPF sampler not built (MEMGATE_EBPF off or toolchain/BTF missing)"; }
#endif
