// The words and figures of a plateau verdict, kept apart from the statistics so the
// wording can change without touching the numbers.
#pragma once

#include <string>
#include <vector>

#include "analyze/plateau.h"

namespace memgate::analyze {

// One sentence a person can act on.
std::string plateau_summary(const std::string& what, const std::string& unit, const PlateauAnalysis& a,
                            const PlateauSettings& settings);

// The figures listed in docs/plateau.md#figures, in value units and unit + "/h".
std::vector<Figure> plateau_figures(const std::string& unit, const PlateauAnalysis& a, const PlateauSettings& settings);

}  // namespace memgate::analyze
