#include "options.h"

#include "load/schedule.h"
#include "memgate/error.h"
#include "memgate/units.h"

namespace memgate::cli {

CLI::Option* add_size_option(CLI::App& app, const std::string& name, std::optional<std::uint64_t>& target,
                             const std::string& help) {
  return app
      .add_option_function<std::string>(
          name,
          [&target, name](const std::string& text) {
            const auto bytes = parse_bytes(text);
            if (!bytes)
              throw CLI::ValidationError(
                  name,
                  "'" + text +
                      "' is not a size (examples: 512M or 512MiB = 512 x 2^20 bytes, 500MB = 500 x 10^6, 4096 bytes)");
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
            if (!seconds)
              throw CLI::ValidationError(name, "'" + text + "' is not a duration (examples: 30s, 5m, 2h, 1h30m)");
            // The longest a schedule may last (load/schedule.h): a duration beyond it is a typo.
            if (*seconds > load::kMaxScheduleS) throw CLI::ValidationError(name, "'" + text + "': at most 1000 days");
            target = *seconds;
          },
          help)
      ->type_name("DURATION");
}

void add_check_options(CLI::App& app, report::CheckSettings& settings) {
  // Every setting of every registered check, named and parsed as the registry says.
  for (const report::SettingBase* setting : report::all_settings()) {
    // A subcommand's own flag of the same name wins: `compare --baseline` names the
    // reference allocator; the baseline check is a scenario key there.
    if (app.get_option_no_throw(setting->flag()) != nullptr) continue;
    CLI::Option* option = nullptr;
    if (setting->is_switch()) {
      option = app.add_flag_callback(
          setting->flag(), [setting, &settings] { setting->set_from_text("true", settings); }, setting->help());
    } else {
      option = app.add_option_function<std::vector<std::string>>(
          setting->flag(),
          [setting, &settings](const std::vector<std::string>& values) {
            std::string text;
            for (const auto& v : values) text += (text.empty() ? "" : ",") + v;
            try {
              setting->set_from_text(text, settings);
            } catch (const Error& e) {
              throw CLI::ValidationError(e.what());
            }
          },
          setting->help());
      option->type_name(setting->type_name())->allow_extra_args(false);
      if (setting->is_list()) option->delimiter(',');
      else option->expected(1);
    }
    option->group("Checks");
  }
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
