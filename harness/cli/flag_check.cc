#include "flag_check.h"

#include <algorithm>
#include <cctype>

namespace memgate::cli {

namespace {

std::size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

std::string command_path(const CLI::App* app) {
  std::string path;
  for (; app != nullptr; app = app->get_parent()) path = app->get_name() + (path.empty() ? "" : " " + path);
  return path;
}

const CLI::App* subcommand_named(const CLI::App* app, const std::string& name) {
  const auto found = app->get_subcommands([&name](const CLI::App* sub) { return sub->get_name() == name; });
  return found.empty() ? nullptr : found.front();
}

std::vector<std::string> subcommand_names(const CLI::App* app) {
  std::vector<std::string> names;
  for (const CLI::App* sub : app->get_subcommands([](const CLI::App*) { return true; }))
    names.push_back(sub->get_name());
  return names;
}

std::vector<std::string> long_flags(const CLI::App* app) {
  std::vector<std::string> flags;
  for (const CLI::Option* option : app->get_options())
    for (const std::string& name : option->get_lnames()) flags.push_back("--" + name);
  return flags;
}

// "unknown option --max-rsss for 'memgate run'; did you mean --max-rss?"
std::string unknown(const std::string& what, const CLI::App* command, const std::optional<std::string>& suggestion) {
  const std::string path = command_path(command);
  return "unknown " + what + " for '" + path + "'; " +
         (suggestion ? "did you mean " + *suggestion + "?" : "see '" + path + " --help'");
}

}  // namespace

std::optional<std::string> closest_name(const std::string& word, const std::vector<std::string>& candidates) {
  std::optional<std::string> best;
  std::size_t best_distance = 0;
  for (const std::string& candidate : candidates) {
    const std::size_t distance = edit_distance(word, candidate);
    if (!best || distance < best_distance) {
      best = candidate;
      best_distance = distance;
    }
  }
  // A typo changes a few letters: at most 2, or a third of a long name.
  if (!best || best_distance > std::max<std::size_t>(2, word.size() / 3)) return std::nullopt;
  return best;
}

std::optional<std::string> unknown_flag_message(const CLI::App& app, const std::vector<std::string>& args) {
  const CLI::App* command = &app;
  bool positional_seen = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "--") break;
    const bool is_flag = arg.size() > 1 && arg[0] == '-' && !std::isdigit(static_cast<unsigned char>(arg[1]));
    if (!is_flag) {
      if (positional_seen) continue;
      if (const CLI::App* sub = subcommand_named(command, arg); sub != nullptr) {
        command = sub;
        continue;
      }
      if (command->get_options([](const CLI::Option* o) { return o->get_positional(); }).empty()) {
        return unknown("command '" + arg + "'", command, closest_name(arg, subcommand_names(command)));
      }
      positional_seen = true;  // the target's command or a run directory: its flags are its own
      continue;
    }
    if (positional_seen) break;
    const std::string name = arg.substr(0, arg.find('='));
    const CLI::Option* option = command->get_option_no_throw(name);
    if (option != nullptr) {
      // Skip its value, so a value is never taken for the start of the command.
      if (option->get_type_size() != 0 && arg.find('=') == std::string::npos) i += 1;
      continue;
    }
    return unknown("option " + name, command, closest_name(name, long_flags(command)));
  }
  return std::nullopt;
}

}  // namespace memgate::cli
