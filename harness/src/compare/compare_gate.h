// Gating on a comparison: the JUnit XML (one test case per variant and check, written by
// report/'s JUnit writer) and the exit code --require asks for. Pure: no I/O.
#pragma once

#include <string>
#include <vector>

#include "compare/aggregate.h"
#include "memgate/check.h"
#include "memgate/error.h"
#include "record/run_meta.h"

namespace memgate::compare {

// A variant's outcome on one check over its runs: FAIL if any run failed it, else
// INCONCLUSIVE if any was, else PASS.
Outcome combined_outcome(const std::map<std::string, std::size_t>& outcome_counts);

// One CheckResult per variant and check ("jemalloc: rss-plateau"), plus "<label>:
// target" where a target failed.
std::vector<CheckResult> gate_results(const std::vector<VariantSummary>& variants);

// first_run: the meta.json of the comparison's first run (its command, host and start
// time describe the suite); exit_code: what `memgate compare` exits with.
std::string compare_junit_xml(const std::vector<VariantSummary>& variants, double duration_s,
                              const record::RunMeta& first_run, ExitCode exit_code);

enum class Require { none, pass, no_fail };
// Throws Error(usage) for anything but "pass" or "no-fail".
Require parse_require(const std::string& text);

// pass: 1 when a variant has a FAIL, 2 when one is INCONCLUSIVE; no-fail: 1 on a FAIL
// only; none: 0 (the table reports the verdicts).
ExitCode gate_exit_code(const std::vector<VariantSummary>& variants, Require require);

}  // namespace memgate::compare
