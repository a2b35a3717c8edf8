// memgate report DIR: recompute the verdict of a finished (or interrupted) run from
// its files, optionally with other check settings, without re-running the target.
// The run's own report.json is the CI artifact of that run: it is rewritten only with
// --in-place; a recomputed report goes to --out or to stdout.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <memory>

#include "commands.h"
#include "memgate/error.h"
#include "options.h"
#include "output_options.h"
#include "record/json_file.h"
#include "record/run_meta.h"
#include "report/report_json.h"
#include "report/run_analysis.h"
#include "report/terminal.h"

namespace memgate::cli {

namespace {

namespace fs = std::filesystem;

struct ReportArgs {
  std::string dir;
  std::string out;
  bool in_place = false;
  bool force = false;
  bool print_json = false;
  report::OutputOptions outputs;
  report::CheckSettings overrides;
};

bool is_within(const fs::path& inner, const fs::path& outer) {
  const auto [end, _] = std::mismatch(outer.begin(), outer.end(), inner.begin(), inner.end());
  return end == outer.end();
}

// Where the recomputed report.json goes: --out FILE.json, --out DIR (DIR/report.json),
// the run's own with --in-place, or nowhere (printed only). A non-empty --out is refused
// unless --force, which replaces the file or clears the directory; --out never names
// the run directory or its report.json (that is --in-place). Checked before the
// analysis; `clear_dir` is done only once there is a report to write.
struct Destination {
  std::string path;       // empty: print only
  std::string clear_dir;  // --force on a non-empty --out DIR
  std::string make_dir;   // --out DIR to create
};

Destination report_destination(const ReportArgs& a) {
  if (a.in_place) return {a.dir + "/" + report::kReportFile, "", ""};
  if (a.out.empty()) return {};
  std::error_code ec;
  const fs::path run = fs::weakly_canonical(a.dir, ec);
  const fs::path out = fs::weakly_canonical(a.out, ec);
  const bool is_file = out.extension() == ".json";
  if (is_within(run, out) || (is_file && out == run / report::kReportFile))
    throw Error(ExitCode::usage, "--out " + a.out + " is the run directory " + a.dir +
                                     " or holds it: give another path, or --in-place to rewrite the run's report.json");
  if (is_file) {
    if (fs::exists(out, ec) && !a.force)
      throw Error(ExitCode::usage, "--out " + a.out + " exists: give --force to replace it");
    return {a.out, "", ""};
  }
  if (fs::exists(out, ec) && !fs::is_directory(out, ec))
    throw Error(ExitCode::usage, "--out " + a.out + " is a file, not a directory (a report file must end in .json)");
  const bool non_empty = fs::exists(out, ec) && !fs::is_empty(out, ec);
  if (non_empty && !a.force)
    throw Error(ExitCode::usage,
                "--out " + a.out + " is not empty: give an empty or new directory, or --force to clear it");
  return {(out / report::kReportFile).string(), non_empty ? out.string() : "", out.string()};
}

void prepare_destination(const Destination& d) {
  std::error_code ec;
  if (!d.clear_dir.empty())
    for (const auto& entry : fs::directory_iterator(d.clear_dir)) fs::remove_all(entry.path());
  if (!d.make_dir.empty()) fs::create_directories(d.make_dir, ec);
  if (ec) throw Error(ExitCode::usage, "--out " + d.make_dir + ": cannot create the directory: " + ec.message());
}

}  // namespace

void add_report_command(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<ReportArgs>();
  auto* cmd = app.add_subcommand("report", "Recompute a run's verdict from its directory");
  cmd->footer(
      "Check flags given here replace the ones the run was started with; the others are kept.\n"
      "The run's own report.json is left alone unless --in-place: the recomputed report goes to\n"
      "--out (FILE.json, or a directory that gets report.json) or is only printed.\n"
      "Example: memgate report runs/leak --max-rss 256M --out rescored/\n"
      "Exit codes: as memgate run (0 pass, 1 fail, 2 inconclusive, see --inconclusive), 3 usage error.");
  cmd->add_option("dir", args->dir, "A run directory written by memgate run")->required()->type_name("DIR");
  auto* out = cmd->add_option("--out", args->out,
                              "Write the recomputed report to FILE.json, or to DIR/report.json (a new or empty DIR)")
                  ->type_name("FILE|DIR");
  auto* in_place = cmd->add_flag("--in-place", args->in_place, "Rewrite the run's own report.json");
  in_place->excludes(out);
  cmd->add_flag("--force", args->force, "Replace an existing --out file, or clear a non-empty --out directory")
      ->needs(out);
  add_output_options(*cmd, args->outputs, args->print_json);
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
    const Destination destination = report_destination(*args);  // refusals before the analysis

    auto analysis = report::analyze_run_dir(args->dir, settings);
    report::set_inconclusive_policy(analysis, args->outputs.inconclusive);
    const auto report = report::report_json(analysis, settings);
    if (!destination.path.empty()) {
      prepare_destination(destination);
      record::write_json_file(destination.path, report);
    }
    const auto outputs = report::write_ci_outputs(analysis, args->dir, args->outputs, report::ci_environment());
    std::fputs(outputs.annotations.c_str(), stderr);
    if (!outputs.errors.empty()) throw Error(ExitCode::usage, outputs.errors.front());
    if (args->print_json) {
      std::puts(record::dump_json(report, 2).c_str());
    } else {
      std::string summary = report::closing_summary(analysis, destination.path);
      if (destination.path.empty())
        summary += "  report: not written (--out FILE|DIR, or --in-place for the run's own)\n";
      std::fputs(summary.c_str(), stdout);
    }
    exit_code = static_cast<int>(analysis.exit_code);
  });
}

}  // namespace memgate::cli
