// What the no-data-loss check needs, read from a run's meta.json: the target's
// accounting line (samplers.metrics) and the traffic generator's figures
// (samplers.traffic). Kept apart from the check itself so the check stays pure.
#pragma once

#include <nlohmann/json.hpp>

#include "analyze/data_loss.h"

namespace memgate::report {

// `samplers`: meta.json's "samplers" object. Missing or malformed parts become the
// reason strings of the inputs, never exceptions.
analyze::DataLossInputs data_loss_inputs(const nlohmann::json& samplers);

}  // namespace memgate::report
