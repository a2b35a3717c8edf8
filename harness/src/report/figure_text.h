// Check figures as people read them in CI outputs (JUnit bodies, markdown, annotations):
// "peak: 81.2 MiB (85143552 bytes)", one per line, in the check's own order.
#pragma once

#include <string>

#include "memgate/check.h"

namespace memgate::report {

// The value in the unit's human form: bytes as MiB/GiB, seconds as a duration, rates
// per hour; a non-finite value as "n/a".
std::string figure_value(const Figure& figure);

// "name: human (raw unit)" lines, each ending in '\n'; at most `limit` figures (0: all).
std::string figures_text(const CheckResult& check, std::size_t limit = 0);

// "name human, name human" for a table cell: the first `limit` figures.
std::string key_figures(const CheckResult& check, std::size_t limit = 3);

}  // namespace memgate::report
