// Unknown flags, caught before CLI11 parses: CLI11 takes `--max-rsss` for the start of
// the target's command and then blames the command's own words ("The following
// arguments were not expected: 1 sleep"). This names the flag and the closest known one.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

namespace memgate::cli {

// The first flag of argv (before `--`, for the subcommand it is given to) that the
// subcommand does not have, as a one-line message with a suggestion; nullopt when every
// flag is known.
std::optional<std::string> unknown_flag_message(const CLI::App& app, const std::vector<std::string>& args);

// The candidate closest to `word` by edit distance, when it is close enough to be a typo.
std::optional<std::string> closest_name(const std::string& word, const std::vector<std::string>& candidates);

}  // namespace memgate::cli
