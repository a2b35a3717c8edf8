// memgate report DIR: recompute the verdict of a finished (or interrupted) run from
// its files, optionally with other check settings, without re-running the target.
#include <cstdio>
#include <memory>

#include "commands.h"
#include "memgate/error.h"
#include "options.h"
#include "record/run_meta.h"
#include "report/report_json.h"
#include "report/run_analysis.h"
#include "report/terminal.h"
#include "sys/fs.h"

namespace memgate::cli {

namespace {

struct ReportArgs {
  std::string dir;
  std::string junit_path;
  bool print_json = false;
  report::CheckSettings overrides;
};

}  // namespace

void add_report_command(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<ReportArgs>();
  auto* cmd = app.add_subcommand("report", "Recompute a run's verdict and report.json from its directory");
  cmd->footer(
      "Check flags given here replace the ones the run was started with; the others are kept.\n"
      "Example: memgate report runs/leak --max-rss 256M");
  cmd->add_option("dir", args->dir, "A run directory written by memgate run")->required()->type_name("DIR");
  cmd->add_option("--junit", args->junit_path, "Also write the checks as JUnit XML to PATH")->type_name("PATH");
  cmd->add_flag("--json", args->print_json, "Print report.json to stdout instead of the summary");
  add_check_options(*cmd, args->overrides);
  cmd->callback([args, cmd, &exit_code] {
    const auto meta = record::read_run_meta(args->dir + "/" + record::kMetaFile);
    report::CheckSettings settings;
    try {
      settings = report::check_settings_from_json(meta.checks);
    } catch (const nlohmann::json::exception& e) {  // a hand-edited meta.json: a usage error, not an internal one
      throw Error(ExitCode::usage, args->dir + "/" + record::kMetaFile + ": checks: " + e.what());
    }
    apply_given_check_options(*cmd, args->overrides, settings);

    const auto analysis = report::analyze_run_dir(args->dir, settings);
    report::write_report(args->dir, analysis, settings);
    if (!args->junit_path.empty()) {
      sys::write_text_file(args->junit_path, report::junit_xml(analysis));
    }
    if (args->print_json) {
      std::puts(record::dump_json(report::report_json(analysis, settings), 2).c_str());
    } else {
      std::fputs(report::closing_summary(analysis, args->dir).c_str(), stdout);
    }
    exit_code = static_cast<int>(analysis.exit_code);
  });
}

}  // namespace memgate::cli
