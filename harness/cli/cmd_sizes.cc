// memgate sizes SCENARIO.json [--sizes 10k,30k,100k] [run options]
// memgate sizes --sizes 1000,3000,10000 [run options] -- CMD ... {size} ...
// memgate sizes --report DIR   (recompute the fit from the run directories)
#include <cstdio>
#include <memory>

#include "commands.h"
#include "compare/sizes.h"
#include "memgate/error.h"
#include "memgate/units.h"
#include "run_options.h"
#include "run/scenario_options.h"
#include "scenario/scenario.h"
#include "sys/fs.h"

namespace memgate::cli {

namespace {

struct SizesArgs {
  std::string sizes, unit, tolerance, report_dir, junit_path;
  run::RunConfig run;
  RunFlags run_flags;
  compare::SizesOptions options;
  bool quiet = false;
};

double parse_tolerance(const std::string& text) {
  const auto bytes = parse_bytes(text);
  if (!bytes)
    throw Error(ExitCode::usage, "--size-tolerance '" + text + "': expected bytes per unit of size, e.g. 64B or 1KiB");
  return static_cast<double>(*bytes);
}

}  // namespace

void add_sizes_command(CLI::App& app, int& exit_code) {
  auto a = std::make_shared<SizesArgs>();
  auto* cmd = app.add_subcommand(
      "sizes", "Run a scenario or command at several work sizes and judge memory growth per unit of size");
  cmd->footer(
      "Examples:\n"
      "  memgate sizes --profile sizes scenarios/routing_10k.json\n"
      "  memgate sizes --profile sizes,accumulate scenarios/routing_10k.json        (the anti-pattern: fails)\n"
      "  memgate sizes --sizes 10k,30k,100k --size-unit rows --size-tolerance 16B -- ./etl --rows {size}\n"
      "  memgate sizes --report memgate-sizes-20261207-220000\n"
      "A scenario's \"sizes\" key names the sizes and how a size reaches the target (a scenario key\n"
      "such as traffic.payload.pairs, or {size} in target.args); a command gets it through {size}.\n"
      "Runs go to DIR/size-<n>-<i>/; DIR/sizes.json, sizes.md and sizes.png hold the fits of peak\n"
      "RSS, steady RSS and the live heap (with --allocator) against the size (docs/work-size.md).\n"
      "Exit codes: 0 pass, 1 memory grows with the size beyond the tolerance, 2 inconclusive,\n"
      "            3 usage error, 4 a run could not start, 5 internal error.");
  cmd->add_option("--sizes", a->sizes, "Work sizes, ascending, at least 3 (k = 1000, M = 1e6), e.g. 10k,30k,100k")
      ->type_name("LIST");
  cmd->add_option("--size-unit", a->unit,
                  "What one unit of size counts, e.g. pairs (default: the scenario's, else units)")
      ->type_name("WORD");
  cmd->add_option("--size-tolerance", a->tolerance,
                  "Tolerated growth in bytes per unit of size (default: the scenario's, else 10% of the level at the "
                  "smallest size over the whole sweep)")
      ->type_name("SIZE");
  cmd->add_option("--repeat", a->options.repeat, "Runs per size")->check(CLI::Range(1, 100))->capture_default_str();
  cmd->add_option("--out", a->options.out_dir, "Directory (default: ./memgate-sizes-<timestamp>)")->type_name("DIR");
  cmd->add_option("--junit", a->junit_path, "Also write one JUnit test case per fitted measure to PATH")
      ->type_name("PATH");
  cmd->add_option("--report", a->report_dir, "Recompute the fit in DIR from its run directories")->type_name("DIR");
  cmd->add_flag("--no-plot{false}", a->options.plot, "Do not render sizes.png and the runs' charts");
  cmd->add_flag("--quiet,-q", a->quiet, "No progress lines");
  add_run_options(*cmd, a->run, a->run_flags);
  add_allocator_options(*cmd, a->run.samplers);
  cmd->add_option("command", a->run.command, "The command to run (with {size}), after --; or one SCENARIO.json")
      ->type_name("CMD ARGS...");

  cmd->callback([cmd, a, &exit_code] {
    auto& o = a->options;
    if (!a->quiet) o.progress = [](const std::string& line) { std::fprintf(stderr, "memgate: %s\n", line.c_str()); };
    if (!a->tolerance.empty()) o.fit.tolerance_per_unit = parse_tolerance(a->tolerance);
    if (!a->unit.empty()) o.unit = a->unit;
    compare::SizesResult result;
    if (!a->report_dir.empty()) {
      if (!a->run.command.empty() || !a->sizes.empty())
        throw Error(ExitCode::usage, "--report DIR recomputes an existing sweep: give no command or --sizes with it");
      result = compare::report_sizes_dir(a->report_dir, o, !a->unit.empty());
    } else {
      apply_run_flags(*cmd, a->run_flags, a->run);
      if (a->run.until_decided || a->run.max_duration_s)
        throw Error(ExitCode::usage, "--until-decided and --max-duration are for memgate run");
      if (!a->sizes.empty()) o.sizes = compare::parse_size_list(a->sizes);
      if (run::is_scenario_argument(a->run.command)) {
        const std::string path = a->run.command.front();
        const auto sc = load_scenario(a->run_flags.scenario, path);
        if (!sc.sizes && a->sizes.empty())
          throw Error(ExitCode::usage, path +
                                           ": no \"sizes\" key: give --sizes 10k,30k,100k with a \"sizes\".parameter "
                                           "in the scenario, or choose a profile that has one (docs/work-size.md)");
        if (!sc.sizes)
          throw Error(ExitCode::usage, path +
                                           ": the scenario does not say how a size reaches the target: add \"sizes\": "
                                           "{\"parameter\": ...} (docs/work-size.md)");
        if (o.sizes.empty()) o.sizes = sc.sizes->values;
        if (a->unit.empty()) o.unit = sc.sizes->unit;
        if (a->tolerance.empty()) o.fit.tolerance_per_unit = sc.sizes->tolerance_per_unit;
        const compare::SizedScenarioWorkload workload(
            path, {a->run_flags.scenario.profiles, a->run_flags.scenario.time_scale, std::nullopt}, a->run,
            flag_overrides(*cmd, a->run), o.sizes);
        result = compare::run_sizes(workload, o);
      } else {
        refuse_scenario_flags_without_scenario(a->run_flags.scenario, "sizes");
        apply_cycle_flags(a->run_flags, a->run);
        const compare::CommandWorkload workload(a->run);
        if (!workload.has_size_placeholder())
          throw Error(ExitCode::usage,
                      "the command does not take the size: put {size} where it goes, e.g. -- ./etl --rows {size}");
        if (o.sizes.empty()) throw Error(ExitCode::usage, "which sizes? give --sizes 10k,30k,100k");
        result = compare::run_sizes(workload, o);
      }
    }
    std::printf("\n%s", result.markdown.c_str());
    std::printf("report: %s/%s%s%s\n", result.compare.out_dir.c_str(), compare::kSizesMarkdown,
                result.plot_note.empty() ? "" : "\n", result.plot_note.c_str());
    const ExitCode code = compare::sizes_exit_code(result);
    if (!a->junit_path.empty()) {
      sys::write_text_file(a->junit_path, compare::sizes_junit_xml(result, code));
      std::printf("junit: %s\n", a->junit_path.c_str());
    }
    for (const auto& error : result.compare.run_errors) std::fprintf(stderr, "memgate: %s\n", error.c_str());
    exit_code = static_cast<int>(code);
  });
}

}  // namespace memgate::cli
