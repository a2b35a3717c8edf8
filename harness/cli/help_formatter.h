// How memgate's --help reads: value names and defaults people understand, without the
// parser's internals (CLI11 shows validator ranges, `{false}` on switches, REQUIRED).
#pragma once

#include <memory>

#include <CLI/CLI.hpp>

namespace memgate::cli {

std::shared_ptr<CLI::Formatter> help_formatter();

}  // namespace memgate::cli
