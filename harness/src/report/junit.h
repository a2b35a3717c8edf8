// The checks as JUnit XML in the Ant/Jenkins form that Jenkins, GitLab and most CI
// systems read (the schema it is tested against: tests/fixtures/schemas/junit.xsd):
// one test case per check plus "target", figures in the <failure> body and in
// <system-out>, the run's properties, timestamp and host.
#pragma once

#include <string>

#include "record/run_meta.h"
#include "report/run_analysis.h"

namespace memgate::report {

// The suite name when --junit-suite is not given: "memgate: " and the scenario's name,
// else the command line (shortened), so two gated commands in one CI job differ.
std::string default_suite_name(const record::RunMeta& meta);

// `suite` empty: default_suite_name. Inconclusive checks follow analysis.inconclusive.
std::string junit_xml(const RunAnalysis& analysis, const std::string& suite = "");

}  // namespace memgate::report
