#include "common/tick_file.h"

#include <zlib.h>

#include <charconv>
#include <stdexcept>

namespace pipelines {
namespace {
std::uint64_t mix(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}
template <class T>
bool field(std::string_view& rest, T& out) {
  const auto comma = rest.find(',');
  const auto text = rest.substr(0, comma);
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  if (ec != std::errc() || p != text.data() + text.size()) return false;
  rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
  return true;
}
}  // namespace

std::string make_tick_csv(std::uint64_t seed, std::uint64_t unit, std::size_t ticks) {
  std::string csv;
  csv.reserve(ticks * 36);
  std::uint64_t s = mix(seed ^ mix(unit));
  double mid = 1.08 + static_cast<double>(unit % 97) * 1e-3;
  std::int64_t ms = 0;
  char line[96];
  for (std::size_t i = 0; i < ticks; ++i) {
    s = mix(s);
    ms += 1 + static_cast<std::int64_t>(s % 7000);
    mid += (static_cast<double>(s >> 40 & 0xffff) / 65536.0 - 0.5) * 2e-5;
    // to_chars, not snprintf: a unit generates ~100k lines and this is its hot loop.
    char* p = std::to_chars(line, line + sizeof line, ms).ptr;
    *p++ = ',';
    p = std::to_chars(p, line + sizeof line, mid - 5e-6, std::chars_format::fixed, 5).ptr;
    *p++ = ',';
    p = std::to_chars(p, line + sizeof line, mid + 5e-6, std::chars_format::fixed, 5).ptr;
    *p++ = ',';
    p = std::to_chars(p, line + sizeof line, static_cast<unsigned>(1 + (s >> 20) % 50)).ptr;
    *p++ = '\n';
    csv.append(line, static_cast<std::size_t>(p - line));
  }
  return csv;
}

bool parse_tick(std::string_view line, Tick& out) {
  return field(line, out.ms) && field(line, out.bid) && field(line, out.ask) && field(line, out.volume) && line.empty();
}

void add_tick(const Tick& tick, std::map<std::int64_t, Bar>& bars) {
  const double mid = (tick.bid + tick.ask) / 2;
  Bar& b = bars[tick.ms / 60000];
  if (b.ticks == 0) b.open = b.high = b.low = mid;
  b.high = std::max(b.high, mid), b.low = std::min(b.low, mid), b.close = mid;
  b.volume += tick.volume;
  ++b.ticks;
}

std::string zlib_round_trip(std::string csv) {
  const uLong raw_size = static_cast<uLong>(csv.size());
  std::vector<Bytef> packed(compressBound(raw_size));
  uLongf packed_size = packed.size();
  if (compress2(packed.data(), &packed_size, reinterpret_cast<const Bytef*>(csv.data()), raw_size, 1) != Z_OK)
    throw std::runtime_error("compress failed");
  std::string().swap(csv);
  std::string text(raw_size, '\0');
  uLongf text_size = raw_size;
  if (uncompress(reinterpret_cast<Bytef*>(text.data()), &text_size, packed.data(), packed_size) != Z_OK)
    throw std::runtime_error("uncompress failed");
  return text;
}

std::uint64_t parse_tick_rows(std::string_view lines, std::size_t batch, std::vector<std::unique_ptr<TickRow>>& rows,
                              const std::function<void(std::uint64_t iteration)>& after_iteration) {
  std::uint64_t bad = 0, iteration = 0;
  while (!lines.empty()) {
    for (std::size_t n = 0; n < batch && !lines.empty(); ++n) {
      const auto nl = lines.find('\n');
      const std::string_view line = lines.substr(0, nl);
      lines.remove_prefix(nl == std::string_view::npos ? lines.size() : nl + 1);
      auto row = std::make_unique<TickRow>();
      if (!parse_tick(line, row->tick)) {
        ++bad;
        continue;
      }
      row->line = line;
      rows.push_back(std::move(row));
    }
    if (after_iteration) after_iteration(++iteration);
  }
  return bad;
}

}  // namespace pipelines
