// The `no-data-loss` check: the target's own accounting line (what it received,
// processed, rejected, spilled and replayed) against what the traffic generator
// delivered to it. Pure: plain values in, a CheckResult out. The values come from
// meta.json (report/data_loss_inputs.h), so `memgate report DIR` recomputes it.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "memgate/check.h"

namespace memgate::analyze {

// The target's final accounting line (summed over its writers when several sent one).
struct Accounting {
  std::uint64_t received = 0, processed = 0, rejected_total = 0;
  std::uint64_t spilled = 0, replayed = 0;
  std::uint64_t pending_spill = 0;                // spilled, not yet replayed: on disk, not lost
  std::optional<std::int64_t> reported_lost;      // the target's own "lost", when it sent one
  std::map<std::string, std::uint64_t> rejected;  // by reason
  std::string unit = "records";                   // what received counts ("pairs" for batch_router)
  std::size_t writers = 1;
};

// What the generator completely wrote into the target, in the accounting's unit.
struct Delivery {
  std::uint64_t delivered = 0;
  std::uint64_t sent = 0;     // handed to the transport (delivered <= sent)
  std::uint64_t dropped = 0;  // dropped by the late policy, never sent
};

struct DataLossInputs {
  std::optional<Accounting> accounting;
  std::string no_accounting;  // why there is none (one sentence with the fix)
  bool traffic = false;       // a traffic generator ran
  std::optional<Delivery> delivery;
  std::string no_delivery;  // why the delivered count is unknown although traffic ran
};

// FAIL when the target's counts do not add up (received != processed + rejected +
// pending_spill, or its own "lost" disagrees) or differ from what was delivered;
// INCONCLUSIVE without an accounting line or a known delivered count; else PASS.
// Without traffic only the target's own counts are judged (the summary says so).
CheckResult no_data_loss_check(const DataLossInputs& inputs);

}  // namespace memgate::analyze
