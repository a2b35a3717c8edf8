#include "output_options.h"

#include <string>

namespace memgate::cli {

void add_output_options(CLI::App& app, report::OutputOptions& o, bool& json) {
  app.add_option("--junit", o.junit_path, "Also write the checks as JUnit XML to PATH (written in every outcome)")
      ->type_name("PATH");
  app.add_option("--junit-suite", o.junit_suite,
                 "JUnit test suite and class name (default: 'memgate: ' and the scenario name or command)")
      ->type_name("NAME");
  app.add_option("--summary", o.summary_path,
                 "Also write a markdown summary (verdict, checks, timeline) to FILE; with $GITHUB_STEP_SUMMARY set "
                 "it is appended there too")
      ->type_name("FILE");
  app.add_option_function<std::string>(
         "--inconclusive", [&o](const std::string& text) { o.inconclusive = *report::parse_inconclusive_policy(text); },
         "What an INCONCLUSIVE verdict does to the exit code and JUnit: fail (exit 1, a failure), pass (exit 0), "
         "neutral (exit 2, skipped)")
      ->check(CLI::IsMember({"fail", "pass", "neutral"}))
      ->type_name("fail|pass|neutral")
      ->default_str("neutral");
  app.add_flag("--json", json, "Print report.json on stdout and nothing else (notes and progress go to stderr)");
}

}  // namespace memgate::cli
