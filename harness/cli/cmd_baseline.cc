// memgate baseline save RUN_DIR --to DIR [--name BRANCH] / memgate baseline show DIR: a
// directory of known good runs per branch, kept by CI as an artifact and read back
// with `memgate run --baseline DIR/BRANCH` (docs/baselines.md).
#include <cstdio>
#include <memory>

#include "commands.h"
#include "report/baseline_store.h"

namespace memgate::cli {

namespace {

struct BaselineArgs {
  std::string run_dir, to, name = "main", show_dir;
  std::size_t keep = 5;
  bool allow_any = false;
};

}  // namespace

void add_baseline_command(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<BaselineArgs>();
  auto* cmd = app.add_subcommand("baseline", "Keep known good runs per branch, to compare runs with (--baseline)");
  cmd->require_subcommand(1);
  cmd->footer(
      "Layout: DIR/BRANCH/run-<UTC start>-<pid>/ (meta.json, samples.csv, report.json...).\n"
      "Example: memgate baseline save runs/gate --to baselines --name main; "
      "memgate run --baseline baselines/main ...");
  auto* save = cmd->add_subcommand("save", "Copy a passing run directory into DIR/BRANCH, keeping the newest runs");
  save->add_option("run_dir", args->run_dir, "A finished run directory")->required()->type_name("RUN_DIR");
  save->add_option("--to", args->to, "The baselines directory")->required()->type_name("DIR");
  save->add_option("--name", args->name, "Branch (or any name) the run is a baseline of")
      ->capture_default_str()
      ->type_name("BRANCH");
  save->add_option("--keep", args->keep, "Runs kept per branch (the oldest go): they are the repeats")
      ->capture_default_str()
      ->type_name("N");
  save->add_flag("--allow-any", args->allow_any, "Keep a run whose verdict is not pass too");
  save->callback([args, &exit_code] {
    const std::string saved = report::save_baseline(args->run_dir, args->to, args->name, args->keep, args->allow_any);
    std::printf("memgate: baseline saved: %s (compare with --baseline %s/%s)\n", saved.c_str(), args->to.c_str(),
                report::baseline_name(args->name).c_str());
    exit_code = 0;
  });
  auto* show = cmd->add_subcommand("show", "List the baselines kept in DIR, per branch");
  show->add_option("dir", args->show_dir, "The baselines directory")->required()->type_name("DIR");
  show->callback([args, &exit_code] {
    std::fputs(report::show_baselines(args->show_dir).c_str(), stdout);
    exit_code = 0;
  });
}

}  // namespace memgate::cli
