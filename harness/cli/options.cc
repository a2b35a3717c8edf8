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
  add_size_option(app, "--max-rss", s.budgets.max_rss_bytes, "Fail if the tree's RSS (or any VmHWM) exceeds SIZE")
      ->group(group);
  add_size_option(app, "--max-pss", s.budgets.max_pss_bytes, "Fail if the tree's PSS exceeds SIZE")->group(group);
  app.add_option("--max-fds", s.budgets.max_fds, "Fail if the tree holds more than N open fds")
      ->type_name("N")
      ->group(group);
  app.add_option("--max-threads", s.budgets.max_threads, "Fail if the tree runs more than N threads")
      ->type_name("N")
      ->group(group);
}

}  // namespace memgate::cli
