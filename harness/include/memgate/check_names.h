// The names other stages read back from a report: check ids and the figures `compare`
// and the writers look up. One definition each, used by the check that writes the
// name and by every reader (report.json consumers outside memgate use the same strings:
// docs/report-schema.md).
#pragma once

namespace memgate::check_id {

inline constexpr const char* kRssBudget = "rss-budget";
inline constexpr const char* kPssBudget = "pss-budget";
inline constexpr const char* kFdBudget = "fd-budget";
inline constexpr const char* kThreadBudget = "thread-budget";
inline constexpr const char* kRssPlateau = "rss-plateau";
inline constexpr const char* kPssPlateau = "pss-plateau";
inline constexpr const char* kHeapPlateau = "heap-plateau";
inline constexpr const char* kFdPlateau = "fd-plateau";
inline constexpr const char* kThreadPlateau = "thread-plateau";
inline constexpr const char* kRssLeakPerCycle = "rss-leak-per-cycle";
inline constexpr const char* kPssLeakPerCycle = "pss-leak-per-cycle";
inline constexpr const char* kHeapLeakPerCycle = "heap-leak-per-cycle";
inline constexpr const char* kFdLeakPerCycle = "fd-leak-per-cycle";
inline constexpr const char* kThreadLeakPerCycle = "thread-leak-per-cycle";
inline constexpr const char* kRssBurstRecovery = "rss-burst-recovery";
inline constexpr const char* kHeapRetention = "heap-retention";
inline constexpr const char* kNoDataLoss = "no-data-loss";
inline constexpr const char* kAllocator = "allocator";
inline constexpr const char* kOomKills = "oom-kills";
inline constexpr const char* kTraffic = "traffic";
inline constexpr const char* kBaseline = "baseline";
inline constexpr const char* kCgroupOom = "cgroup-oom";
inline constexpr const char* kHeadroom = "memory-headroom";

}  // namespace memgate::check_id

namespace memgate::figure {

inline constexpr const char* kSteady = "steady";          // plateau checks: median level after the warm-up
inline constexpr const char* kSlopePerH = "slope_per_h";  // plateau checks: Theil-Sen slope
inline constexpr const char* kRetained = "retained";      // burst recovery: level after recovery minus before

}  // namespace memgate::figure
