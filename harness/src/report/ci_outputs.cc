#include "report/ci_outputs.h"

#include <cstdlib>
#include <filesystem>

#include "memgate/error.h"
#include "report/github_annotations.h"
#include "report/junit.h"
#include "report/markdown_summary.h"
#include "sys/fs.h"

namespace memgate::report {

namespace {

namespace fs = std::filesystem;

// timeline.png relative to the directory the summary file is in (how a markdown viewer
// resolves it next to the artifacts); empty when there is no timeline.
std::string timeline_relative_to(const std::string& run_dir, const std::string& summary_path) {
  std::error_code ec;
  const fs::path png = fs::path(run_dir) / "timeline.png";
  if (!fs::exists(png, ec)) return "";
  const fs::path base = fs::absolute(fs::path(summary_path), ec).parent_path();
  const fs::path relative = fs::absolute(png, ec).lexically_relative(base);
  return relative.empty() ? png.string() : relative.string();
}

}  // namespace

CiEnvironment ci_environment() {
  CiEnvironment env;
  if (const char* s = std::getenv("GITHUB_STEP_SUMMARY"); s && *s) env.step_summary = s;
  if (const char* g = std::getenv("GITHUB_ACTIONS"); g && std::string(g) == "true") env.github_actions = true;
  return env;
}

CiOutputResult write_ci_outputs(const RunAnalysis& a, const std::string& run_dir, const OutputOptions& o,
                                const CiEnvironment& env) {
  CiOutputResult result;
  const std::string suite = o.junit_suite.empty() ? default_suite_name(a.meta) : o.junit_suite;
  const auto attempt = [&result](const auto& write) {
    try {
      write();
    } catch (const Error& e) {
      result.errors.emplace_back(e.what());
    }
  };
  if (!o.junit_path.empty()) attempt([&] { sys::write_text_file(o.junit_path, junit_xml(a, suite)); });
  if (!o.summary_path.empty())
    attempt([&] {
      sys::write_text_file(o.summary_path,
                           markdown_summary(a, {suite, timeline_relative_to(run_dir, o.summary_path), run_dir}));
    });
  // The job summary page cannot show a file of the runner: it names where the image is.
  if (!env.step_summary.empty())
    attempt([&] { sys::append_text_file(env.step_summary, markdown_summary(a, {suite, "", run_dir})); });
  if (env.github_actions) result.annotations = github_annotations(a, suite);
  return result;
}

}  // namespace memgate::report
