#include "report/data_loss_inputs.h"

#include <algorithm>
#include <cmath>

namespace memgate::report {

namespace {

using nlohmann::json;

std::optional<std::uint64_t> count_of(const json& object, const char* key) {
  const auto it = object.find(key);
  if (it == object.end() || !it->is_number()) return std::nullopt;
  const double v = it->get<double>();
  if (!(v >= 0) || v != std::floor(v)) return std::nullopt;
  return static_cast<std::uint64_t>(v);
}

// One writer's accounting object; nullopt (with `why`) when it lacks the counts.
std::optional<analyze::Accounting> parse_accounting(const json& a, std::string& why) {
  const auto received = count_of(a, "received"), processed = count_of(a, "processed");
  if (!received || !processed) {
    why =
        "the accounting line lacks non-negative integer \"received\" and \"processed\" counts "
        "(docs/metrics-channel.md)";
    return std::nullopt;
  }
  analyze::Accounting out;
  out.received = *received;
  out.processed = *processed;
  if (const auto it = a.find("rejected"); it != a.end() && it->is_object())
    for (const auto& [reason, n] : it->items())
      if (const auto c = count_of(*it, reason.c_str())) out.rejected[reason] = *c;
  if (const auto total = count_of(a, "rejected_total")) {
    out.rejected_total = *total;
  } else {
    for (const auto& [reason, n] : out.rejected) out.rejected_total += n;
  }
  out.spilled = count_of(a, "spilled").value_or(0);
  out.replayed = count_of(a, "replayed").value_or(0);
  out.pending_spill =
      count_of(a, "pending_spill").value_or(out.spilled > out.replayed ? out.spilled - out.replayed : 0);
  if (const auto it = a.find("lost"); it != a.end() && it->is_number_integer())
    out.reported_lost = it->get<std::int64_t>();
  if (const auto it = a.find("unit"); it != a.end() && it->is_string()) out.unit = it->get<std::string>();
  return out;
}

// Several processes of the tree may each account for their share: their counts add up.
void add(analyze::Accounting& sum, const analyze::Accounting& a) {
  sum.received += a.received;
  sum.processed += a.processed;
  sum.rejected_total += a.rejected_total;
  sum.spilled += a.spilled;
  sum.replayed += a.replayed;
  sum.pending_spill += a.pending_spill;
  for (const auto& [reason, n] : a.rejected) sum.rejected[reason] += n;
  if (a.reported_lost) sum.reported_lost = sum.reported_lost.value_or(0) + *a.reported_lost;
  ++sum.writers;
}

void read_accounting(const json& samplers, analyze::DataLossInputs& in) {
  const auto metrics = samplers.find("metrics");
  if (metrics == samplers.end() || !metrics->is_object()) {
    in.no_accounting = "the metrics channel was off (--metrics off), so no accounting line could arrive";
    return;
  }
  if (const auto one = metrics->find("accounting"); one != metrics->end() && one->is_object()) {
    in.accounting = parse_accounting(*one, in.no_accounting);
    return;
  }
  if (const auto many = metrics->find("accounting_by_pid"); many != metrics->end() && many->is_object()) {
    analyze::Accounting sum;
    sum.writers = 0;
    for (const auto& [pid, a] : many->items()) {
      const auto one = parse_accounting(a, in.no_accounting);
      if (!one) return;
      if (sum.writers > 0 && one->unit != sum.unit) {
        in.no_accounting = "the target's processes count in different units (" + sum.unit + ", " + one->unit + ")";
        return;
      }
      sum.unit = one->unit;
      add(sum, *one);
    }
    in.accounting = sum;
    return;
  }
  in.no_accounting =
      "no accounting line arrived on the metrics channel: the target must write "
      "{\"pid\":PID,\"accounting\":{\"received\":N,"
      "\"processed\":N,...}} to $MEMGATE_METRICS_PATH before it exits (docs/metrics-channel.md)";
}

void read_delivery(const json& samplers, const std::string& unit, analyze::DataLossInputs& in) {
  const auto traffic = samplers.find("traffic");
  if (traffic == samplers.end() || !traffic->is_object()) return;
  in.traffic = true;
  const std::string payload = traffic->value("payload", "");
  if (payload == "none" || traffic->value("transport", "") == "command") {
    in.no_delivery =
        "an external load command sent the traffic, so memgate does not know how many records it delivered";
    return;
  }
  const auto accepted = count_of(*traffic, "accepted");
  if (!accepted) {
    in.no_delivery = "the traffic figures have no \"accepted\" count (the generator did not run?)";
    return;
  }
  analyze::Delivery d;
  d.delivered = *accepted;
  d.sent = count_of(*traffic, "sent").value_or(*accepted);
  d.dropped = count_of(*traffic, "dropped").value_or(0);
  if (unit == "pairs") {
    // O-D pairs travel in chunks, sent in order: the delivered chunks hold the first pairs.
    const json stats = traffic->value("payload_stats", json::object());
    const auto pairs = count_of(stats, "pairs"), chunk = count_of(stats, "chunk");
    if (payload != "od_pairs" || !pairs || !chunk) {
      in.no_delivery = "the target counts pairs but the traffic was not an od_pairs payload";
      return;
    }
    if (d.dropped > 0) {
      in.no_delivery = "the generator dropped " + std::to_string(d.dropped) +
                       " chunks (late policy), so the pairs it delivered are not known exactly";
      return;
    }
    d.delivered = std::min(*pairs, *accepted * *chunk);
    d.sent = std::min(*pairs, d.sent * *chunk);
  } else if (unit != "records") {
    in.no_delivery =
        "the target counts " + unit + ", which the generator does not (it counts records, or pairs for od_pairs)";
    return;
  }
  in.delivery = d;
}

}  // namespace

analyze::DataLossInputs data_loss_inputs(const json& samplers) {
  analyze::DataLossInputs in;
  if (!samplers.is_object()) {
    in.no_accounting = "meta.json has no sampler figures";
    return in;
  }
  read_accounting(samplers, in);
  read_delivery(samplers, in.accounting ? in.accounting->unit : "records", in);
  return in;
}

}  // namespace memgate::report
