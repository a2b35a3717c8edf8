// A check result's figure by name, for the unit tests: a missing figure fails the test
// (and reads as NaN, so no comparison with it passes).
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "memgate/check.h"

namespace memgate {

inline double figure(const CheckResult& r, const std::string& name) {
  for (const auto& f : r.figures)
    if (f.name == name) return f.value;
  ADD_FAILURE() << "no figure " << name << " in " << r.id;
  return NAN;
}

}  // namespace memgate
