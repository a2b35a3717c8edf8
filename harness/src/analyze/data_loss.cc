#include "analyze/data_loss.h"

#include <string>

#include "memgate/check_names.h"

namespace memgate::analyze {

namespace {

std::string count(std::uint64_t n, const std::string& unit) { return std::to_string(n) + " " + unit; }

std::string signed_count(std::int64_t n) { return std::to_string(n); }

// "120 processed, 3 rejected (2 malformed_json, 1 out_of_range), 40 spilled and replayed"
std::string breakdown(const Accounting& a) {
  std::string text = std::to_string(a.processed) + " processed, " + std::to_string(a.rejected_total) + " rejected";
  if (!a.rejected.empty()) {
    std::string reasons;
    for (const auto& [reason, n] : a.rejected)
      if (n > 0) reasons += (reasons.empty() ? "" : ", ") + std::to_string(n) + " " + reason;
    if (!reasons.empty()) text += " (" + reasons + ")";
  }
  if (a.spilled > 0) {
    text += ", " + std::to_string(a.spilled) + " spilled to disk";
    text +=
        a.pending_spill == 0 ? " and all replayed" : " of which " + std::to_string(a.pending_spill) + " still on disk";
  }
  return text;
}

}  // namespace

CheckResult no_data_loss_check(const DataLossInputs& in) {
  CheckResult r;
  r.id = check_id::kNoDataLoss;
  if (!in.accounting) {
    r.outcome = Outcome::inconclusive;
    r.summary = in.no_accounting;
    return r;
  }
  const Accounting& a = *in.accounting;
  const std::string& unit = a.unit;
  const auto accounted = a.processed + a.rejected_total + a.pending_spill;
  const std::int64_t lost = static_cast<std::int64_t>(a.received) - static_cast<std::int64_t>(accounted);
  if (in.delivery) r.figures.push_back({"delivered", static_cast<double>(in.delivery->delivered), unit});
  r.figures.push_back({"received", static_cast<double>(a.received), unit});
  r.figures.push_back({"processed", static_cast<double>(a.processed), unit});
  r.figures.push_back({"rejected", static_cast<double>(a.rejected_total), unit});
  for (const auto& [reason, n] : a.rejected) r.figures.push_back({"rejected_" + reason, static_cast<double>(n), unit});
  r.figures.push_back({"spilled", static_cast<double>(a.spilled), unit});
  r.figures.push_back({"replayed", static_cast<double>(a.replayed), unit});
  r.figures.push_back({"pending_spill", static_cast<double>(a.pending_spill), unit});
  r.figures.push_back({"lost", static_cast<double>(lost), unit});

  r.outcome = Outcome::fail;
  if (a.reported_lost && *a.reported_lost != lost) {
    r.summary = "the counts do not add up: the target reports lost = " + signed_count(*a.reported_lost) +
                " but received - processed - rejected - pending_spill = " + std::to_string(a.received) + " - " +
                std::to_string(a.processed) + " - " + std::to_string(a.rejected_total) + " - " +
                std::to_string(a.pending_spill) + " = " + signed_count(lost);
    return r;
  }
  if (lost > 0) {
    r.summary = signed_count(lost) + " of the " + count(a.received, unit) +
                " the target received were neither processed, rejected nor kept on disk (" + breakdown(a) +
                "): they were lost inside the target";
    return r;
  }
  if (lost < 0) {
    r.summary = "the counts do not add up: the target accounts for " + count(accounted, unit) + " (" + breakdown(a) +
                ") but received only " + std::to_string(a.received);
    return r;
  }
  if (in.traffic && !in.delivery) {
    r.outcome = Outcome::inconclusive;
    r.summary = "the target's own counts add up, but " + in.no_delivery;
    return r;
  }
  if (in.delivery) {
    const auto delivered = in.delivery->delivered;
    if (delivered > a.received) {
      r.summary = "the generator delivered " + count(delivered, unit) + " but the target received only " +
                  std::to_string(a.received) + ": " + std::to_string(delivered - a.received) +
                  " were lost before the target counted them (left unread when it stopped?)";
      return r;
    }
    if (delivered < a.received) {
      r.summary = "the counts do not add up: the target received " + count(a.received, unit) +
                  " but the generator delivered only " + std::to_string(delivered) +
                  " (another input, or a different unit?)";
      return r;
    }
    r.outcome = Outcome::pass;
    r.summary = "all " + count(delivered, unit) + " delivered are accounted for: " + breakdown(a);
    return r;
  }
  r.outcome = Outcome::pass;
  r.summary = "the target's own counts add up (" + count(a.received, unit) + " received: " + breakdown(a) +
              "); no traffic generator ran, so delivery was not compared";
  return r;
}

}  // namespace memgate::analyze
