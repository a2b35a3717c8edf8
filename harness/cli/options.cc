#include "options.h"

#include "memgate/units.h"

namespace memgate::cli {

CLI::Option* add_size_option(CLI::App& app, const std::string& name, std::optional<std::uint64_t>& target,
                             const std::string& help) {
  return app
      .add_option_function<std::string>(
          name,
          [&target, name](const std::string& text) {
            const auto bytes = parse_bytes(text);
            if (!bytes) throw CLI::ValidationError(name, "'" + text + "' is not a size (examples: 512M, 1.5GiB, 4096)");
            target = *bytes;
          },
          help)
      ->type_name("SIZE");
}

CLI::Option* add_duration_option(CLI::App& app, const std::string& name, std::optional<double>& target,
                                 const std::string& help) {
  return app
      .add_option_function<std::string>(
          name,
          [&target, name](const std::string& text) {
            const auto seconds = parse_duration(text);
            if (!seconds) throw CLI::ValidationError(name, "'" + text + "' is not a duration (examples: 30s, 5m, 2h)");
            target = *seconds;
          },
          help)
      ->type_name("DURATION");
}

void add_check_options(CLI::App& app, report::CheckSettings& s) {
  const std::string group = "Checks";
  app.add_option_function<std::vector<std::string>>(
         "--plateau",
         [&s](const std::vector<std::string>& metrics) {
           s.plateau_metrics.clear();
           if (metrics.size() == 1 && metrics[0] == "none") return;
           for (const auto& metric : metrics) {
             if (!report::is_plateau_metric(metric))
               throw CLI::ValidationError("--plateau", "unknown metric '" + metric + "' (use " + report::known_plateau_metrics_text() + " or none)");
             s.plateau_metrics.push_back(metric);
           }
         },
         "Series judged for a plateau: comma-separated rss,pss,heap,fds,threads, or none (default rss,fds); heap is "
         "the allocator's allocated bytes (needs --allocator)")
      ->delimiter(',')
      ->allow_extra_args(false)
      ->type_name("LIST")
      ->group(group);
  app.add_option_function<std::string>(
         "--tolerance", [&s](const std::string& text) { analyze::parse_tolerance(text, s.memory_plateau); },
         "Memory growth tolerated: 1MiB/h, 2%/h, or both as 1MiB/h,2%/h (default 1MiB/h,1%/h; the larger wins)")
      ->type_name("RATE")
      ->group(group);
  app.add_option_function<std::string>(
         "--warmup",
         [&s](const std::string& text) {
           s.memory_plateau.warmup = s.count_plateau.warmup = analyze::parse_warmup(text);
         },
         "Leading part ignored by plateau checks: auto, 90s, 15m, or 10% (default auto)")
      ->type_name("SPEC")
      ->group(group);
  app.add_option_function<std::string>(
         "--horizon",
         [&s](const std::string& text) {
           const auto seconds = parse_duration(text);
           if (!seconds || *seconds <= 0)
             throw CLI::ValidationError("--horizon", "'" + text + "' is not a duration (examples: 24h, 7d)");
           s.memory_plateau.horizon_s = s.count_plateau.horizon_s = *seconds;
         },
         "Project memory to this time after the start (default 24h)")
      ->type_name("DURATION")
      ->group(group);
  add_size_option(app, "--max-rss", s.budgets.max_rss_bytes, "Fail if the tree's RSS (or any VmHWM) exceeds SIZE")
      ->group(group);
  add_size_option(app, "--max-pss", s.budgets.max_pss_bytes, "Fail if the tree's PSS exceeds SIZE")->group(group);
  app.add_option("--max-fds", s.budgets.max_fds, "Fail if the tree holds more than N open fds")
      ->type_name("N")
      ->group(group);
  app.add_option("--max-threads", s.budgets.max_threads, "Fail if the tree runs more than N threads")
      ->type_name("N")
      ->group(group);
  add_size_option(app, "--max-retained", s.max_retained_bytes,
                  "Fail if the tree's RSS beyond the allocator's live heap (freed memory it keeps resident, plus code "
                  "and stacks) exceeds SIZE at the median sample: the heap-retention check (needs --allocator)")
      ->group(group);
  app.add_flag("--no-data-loss", s.no_data_loss,
               "Fail unless the target's accounting line (metrics channel) accounts for every record the traffic delivered")
      ->group(group);
}

std::set<std::string> given_flags(const CLI::App& app) {
  std::set<std::string> flags;
  for (const CLI::Option* option : app.get_options())
    if (option->count() > 0)
      for (const auto& name : option->get_lnames()) flags.insert("--" + name);
  return flags;
}

void apply_given_check_options(const CLI::App& app, const report::CheckSettings& given, report::CheckSettings& base) {
  report::override_checks(given_flags(app), given, base);
}

}  // namespace memgate::cli
