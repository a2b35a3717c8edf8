// The phase tags of a run driven as N identical cycles (docs/plateau.md, "Cycles in a
// run"): "cycle N" while the load is sent, "cycle N drain" while the target empties its
// queue, "cycle N quiet" for the quiescent measurement. The traffic driver writes them
// (load/cycles.h), so does the runner for cycles a target marks on the metrics channel,
// and the report reads them back from samples.csv's phase column.
#pragma once

#include <charconv>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace memgate {

enum class CyclePart { load, drain, quiet };

struct CyclePhase {
  std::size_t cycle = 0;  // from 1
  CyclePart part = CyclePart::load;
};

inline std::string cycle_phase_name(std::size_t cycle, CyclePart part) {
  std::string name = "cycle " + std::to_string(cycle);
  if (part == CyclePart::drain) name += " drain";
  if (part == CyclePart::quiet) name += " quiet";
  return name;
}

inline std::optional<CyclePhase> parse_cycle_phase(std::string_view name) {
  constexpr std::string_view prefix = "cycle ";
  if (!name.starts_with(prefix)) return std::nullopt;
  name.remove_prefix(prefix.size());
  CyclePhase p;
  const auto [end, ec] = std::from_chars(name.data(), name.data() + name.size(), p.cycle);
  if (ec != std::errc() || p.cycle == 0) return std::nullopt;
  const std::string_view rest(end, static_cast<std::size_t>(name.data() + name.size() - end));
  if (rest.empty()) p.part = CyclePart::load;
  else if (rest == " drain") p.part = CyclePart::drain;
  else if (rest == " quiet") p.part = CyclePart::quiet;
  else return std::nullopt;
  return p;
}

}  // namespace memgate
