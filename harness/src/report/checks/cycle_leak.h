// The per-cycle leak checks' setting that the report's streaming pass needs before the
// checks run: how a cycle's quiet phase decides that the target has drained.
#pragma once

#include "report/check_setting.h"
#include "report/cycle_levels.h"

namespace memgate::report::checks {

// cycle_drain_signal: queue (default), cpu or time (report/cycle_levels.h).
DrainSignal cycle_drain_signal(const CheckSettings& s);

}  // namespace memgate::report::checks
