// memgate compare --allocators glibc,jemalloc,... --repeat N [run options] -- CMD ARGS...
// memgate compare SCENARIO.json --allocators glibc,jemalloc,... --repeat N [run options]
// memgate compare --report DIR   (recompute a finished or interrupted comparison)
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <memory>

#include "commands.h"
#include "compare/compare_gate.h"
#include "compare/compare_runner.h"
#include "compare/compare_text.h"
#include "memgate/error.h"
#include "memgate/units.h"
#include "options.h"
#include "record/run_meta.h"
#include "run_options.h"
#include "run/scenario_options.h"
#include "scenario/scenario.h"
#include "sys/fs.h"

namespace memgate::cli {

namespace {

struct CompareArgs {
  std::string allocators;
  std::vector<std::string> variants;
  std::string report_dir;
  run::RunConfig run;  // what every variant runs, as `memgate run` takes it
  RunFlags run_flags;
  compare::CompareOptions options;
  double min_effect_pct = 5, throughput_tolerance_pct = 5;
  bool quiet = false;
  std::string junit_path;
  std::string require;
};

std::vector<compare::Variant> variants_from(const CompareArgs& a) {
  std::vector<compare::Variant> out;
  if (!a.allocators.empty()) out = compare::parse_allocator_list(a.allocators);
  for (const auto& spec : a.variants) out.push_back(compare::parse_variant(spec));
  compare::check_variants(out);
  return out;
}

// The meta.json of the first run that wrote one: the JUnit suite's command, host and
// start time (an empty meta when no run started).
record::RunMeta first_run_meta(const compare::CompareResult& result) {
  for (const auto& run : result.runs) {
    const std::string path = result.out_dir + "/" + run.dir + "/meta.json";
    if (!std::filesystem::exists(path)) continue;
    try {
      return record::read_run_meta(path);
    } catch (const Error&) {
      continue;  // a run that could not write its meta.json: the next one describes the suite
    }
  }
  return {};
}

// The comparison's length: from the first run's start to the last run's end.
double compare_seconds(const compare::CompareResult& result) {
  std::int64_t first = 0, last = 0;
  for (const auto& run : result.runs) {
    const std::string path = result.out_dir + "/" + run.dir + "/meta.json";
    if (!std::filesystem::exists(path)) continue;
    try {
      const auto meta = record::read_run_meta(path);
      if (first == 0 || (meta.started_unix_ms > 0 && meta.started_unix_ms < first)) first = meta.started_unix_ms;
      last = std::max(last, meta.ended_unix_ms);
    } catch (const Error&) {
      // its time is unknown: the others still bound the comparison
    }
  }
  return first > 0 && last > first ? static_cast<double>(last - first) / 1000 : 0;
}

}  // namespace

void add_compare_command(CLI::App& app, int& exit_code) {
  auto a = std::make_shared<CompareArgs>();
  auto* cmd = app.add_subcommand(
      "compare", "Run a command or a scenario under several allocators, N times each, and compare them");
  cmd->footer(
      "Examples:\n"
      "  memgate compare scenarios/examples/sensor_burst.json --allocators glibc,jemalloc,mimalloc,tcmalloc --repeat "
      "3\n"
      "  memgate compare scenarios/air_quality_burst.json --allocators glibc,jemalloc --repeat 5 --purge-at-phases\n"
      "  memgate compare --profile ci_short scenarios/air_quality_burst.json --allocators "
      "glibc,jemalloc,mimalloc,tcmalloc\n"
      "  memgate compare --allocators glibc,jemalloc,mimalloc,tcmalloc --repeat 3 --duration 2m -- ./server\n"
      "  memgate compare --allocators glibc --variant 'je-d0=jemalloc MALLOC_CONF=dirty_decay_ms:0' -- ./job\n"
      "  memgate compare --report memgate-compare-20261123-174010\n"
      "A scenario brings its target, traffic, sampling and checks (flags given here win); its\n"
      "target.allocator is replaced by each variant's.\n"
      "Runs go to DIR/<variant>-<i>/ in interleaved order; DIR/compare.json, compare.md and\n"
      "compare_bars.png / compare_rss.png summarise them (docs/allocators.md).\n"
      "Every variant runs exactly as memgate run would, with the same flags (eBPF, checks, metrics).\n"
      "Exit codes: 0 done (failed checks are reported in the table; --require pass|no-fail:\n"
      "            1 a variant FAILed, 2 one was INCONCLUSIVE (pass only)), 3 usage error,\n"
      "            4 a run could not start (the others are still reported), 5 internal error;\n"
      "            a run that failed for a usage or internal reason gives its own code.");
  cmd->add_option("--allocators", a->allocators, "Comma-separated: glibc, jemalloc, mimalloc, tcmalloc or PATH.so")
      ->type_name("LIST");
  cmd->add_option("--variant", a->variants,
                  "A labelled allocator with knobs: 'LABEL=ALLOCATOR KEY=VALUE ...' (repeatable)")
      ->type_name("SPEC");
  cmd->add_option("--repeat", a->options.repeat, "Runs per variant (3+ to tell differences from noise)")
      ->check(CLI::Range(1, 1000))
      ->capture_default_str();
  cmd->add_option("--out", a->options.out_dir, "Comparison directory (default: ./memgate-compare-<timestamp>)")
      ->type_name("DIR");
  cmd->add_option("--baseline", a->options.recommend.baseline, "Variant the others are judged against (default: glibc)")
      ->type_name("LABEL");
  cmd->add_option("--min-effect", a->min_effect_pct, "Steady-RSS differences below this percentage count as the same")
      ->check(CLI::Range(0.0, 100.0))
      ->capture_default_str();
  cmd->add_option("--throughput-tolerance", a->throughput_tolerance_pct,
                  "Throughput loss in percent still accepted for a recommendation")
      ->check(CLI::Range(0.0, 100.0))
      ->capture_default_str();
  cmd->add_option("--work-metric", a->options.work_metric,
                  "Metrics-channel counter of the target's work (e.g. processed): throughput and CPU per unit "
                  "over the steady window (recorded as metric_FIELD)")
      ->type_name("FIELD");
  cmd->add_option("--junit", a->junit_path, "Also write one JUnit test case per variant and check to PATH")
      ->type_name("PATH");
  cmd->add_option("--require", a->require,
                  "Exit code follows the variants' verdicts: pass (1 on a FAIL, 2 on an INCONCLUSIVE run) or "
                  "no-fail (1 on a FAIL)")
      ->type_name("pass|no-fail");
  cmd->add_option("--report", a->report_dir, "Recompute the comparison in DIR from its run directories")
      ->type_name("DIR");
  cmd->add_flag("--no-plot{false}", a->options.plot, "Do not render the comparison charts");
  cmd->add_flag("--quiet,-q", a->quiet, "No progress lines");
  add_run_options(*cmd, a->run, a->run_flags);
  cmd->add_option("command", a->run.command, "The command to run, after --; or one SCENARIO.json")
      ->type_name("CMD ARGS...");

  cmd->callback([cmd, a, &exit_code] {
    auto& o = a->options;
    o.recommend.rss_min_effect = a->min_effect_pct / 100;
    o.recommend.throughput_tolerance = a->throughput_tolerance_pct / 100;
    if (!a->quiet) o.progress = [](const std::string& line) { std::fprintf(stderr, "memgate: %s\n", line.c_str()); };

    const auto require = a->require.empty() ? compare::Require::none : compare::parse_require(a->require);
    compare::CompareResult result;
    if (!a->report_dir.empty()) {
      if (!a->run.command.empty() || !a->allocators.empty() || !a->variants.empty())
        throw Error(
            ExitCode::usage,
            "--report DIR recomputes an existing comparison: give no command, --allocators or --variant with it");
      refuse_scenario_flags_without_scenario(a->run_flags.scenario, "compare");
      result = compare::report_compare_dir(a->report_dir, o);
    } else {
      if (a->allocators.empty() && a->variants.empty())
        throw Error(ExitCode::usage,
                    "what should be compared? give --allocators glibc,jemalloc,mimalloc,tcmalloc (or --variant)");
      o.variants = variants_from(*a);
      apply_run_flags(*cmd, a->run_flags, a->run);
      if (a->run.until_decided || a->run.max_duration_s)
        throw Error(ExitCode::usage,
                    "compare reads every variant over the same windows: --until-decided and --max-duration are for "
                    "memgate run");
      if (run::is_scenario_argument(a->run.command)) {
        if (a->run_flags.cycles || a->run_flags.cycle_drain_s || a->run_flags.cycle_quiet_s)
          throw Error(ExitCode::usage, "memgate compare takes cycles from the scenario: set traffic.cycles there");
        const compare::ScenarioWorkload workload(load_scenario(a->run_flags.scenario, a->run.command.front()), a->run,
                                                 flag_overrides(*cmd, a->run));
        result = compare::run_compare(workload, o);
      } else {
        refuse_scenario_flags_without_scenario(a->run_flags.scenario, "compare");
        apply_cycle_flags(a->run_flags, a->run);
        const compare::CommandWorkload workload(a->run);
        result = compare::run_compare(workload, o);
      }
    }
    std::printf("\n%s\nRecommendation: %s\n", compare::markdown_table(result.variants, result.recommendation).c_str(),
                result.recommendation.line.c_str());
    for (const auto& note : result.recommendation.notes) std::printf("  note: %s\n", note.c_str());
    std::printf("report: %s/%s%s%s\n", result.out_dir.c_str(), compare::kCompareMarkdown,
                result.plot_note.empty() ? "" : "\n", result.plot_note.c_str());
    if (result.manifest.status == "interrupted") std::printf("interrupted: the remaining runs were not started\n");
    const ExitCode code =
        result.run_errors.empty() ? compare::gate_exit_code(result.variants, require) : result.run_error_code;
    if (!a->junit_path.empty()) {
      sys::write_text_file(a->junit_path, compare::compare_junit_xml(result.variants, compare_seconds(result),
                                                                     first_run_meta(result), code));
      std::printf("junit: %s\n", a->junit_path.c_str());
    }
    for (const auto& error : result.run_errors) std::fprintf(stderr, "memgate: %s\n", error.c_str());
    exit_code = static_cast<int>(code);
  });
}

}  // namespace memgate::cli
