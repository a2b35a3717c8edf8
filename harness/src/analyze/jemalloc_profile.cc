#include "analyze/jemalloc_profile.h"

#include <charconv>
#include <cmath>

#include "memgate/error.h"

namespace memgate::analyze {

namespace {

constexpr std::string_view kHeader = "heap_v2/";
constexpr std::string_view kLegacyHeader = "heap profile:";
constexpr std::string_view kMaps = "MAPPED_LIBRARIES:";

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

class Reader {
 public:
  Reader(std::string_view text, const std::string& where) : text_(text), where_(where) {}

  bool next(std::string_view& line) {
    if (text_.empty()) return false;
    const std::size_t nl = text_.find('\n');
    line = text_.substr(0, nl);
    text_ = nl == std::string_view::npos ? std::string_view{} : text_.substr(nl + 1);
    ++number_;
    return true;
  }
  std::string_view rest() const { return text_; }
  // The next non-empty line, trimmed; false at the end or at MAPPED_LIBRARIES:, whose
  // section (the rest) goes into `maps`.
  bool next_row(std::string_view& row, std::string& maps) {
    std::string_view line;
    while (next(line)) {
      row = trim(line);
      if (row.empty()) continue;
      if (row != kMaps) return true;
      maps = std::string(rest());
      return false;
    }
    return false;
  }

  [[noreturn]] void bad(const std::string& what) const {
    throw Error(ExitCode::usage, where_ + ":" + std::to_string(number_) + ": " + what +
                                     " (not a heap profile: jemalloc's prof.dump under prof:true, or gperftools' "
                                     "GetHeapProfile)");
  }
  std::uint64_t number(std::string_view field, int base = 10) const {
    std::uint64_t v = 0;
    const auto [end, ec] = std::from_chars(field.data(), field.data() + field.size(), v, base);
    if (field.empty() || ec != std::errc() || end != field.data() + field.size())
      bad("bad number '" + std::string(field.substr(0, 40)) + "'");
    return v;
  }

 private:
  std::string_view text_;
  const std::string& where_;
  std::size_t number_ = 0;
};

// "t*: OBJECTS: BYTES [ACCUM_OBJECTS: ACCUM_BYTES]" (a thread's line may end with its name).
std::pair<std::uint64_t, std::uint64_t> counts(const Reader& r, std::string_view line) {
  const std::size_t colon = line.find(':');
  if (colon == std::string_view::npos) r.bad("expected 't*: OBJECTS: BYTES [...]'");
  std::string_view rest = trim(line.substr(colon + 1));
  const std::size_t second = rest.find(':');
  const std::size_t bracket = rest.find('[');
  if (second == std::string_view::npos || bracket == std::string_view::npos || bracket < second)
    r.bad("expected 't*: OBJECTS: BYTES [...]'");
  return {r.number(trim(rest.substr(0, second))), r.number(trim(rest.substr(second + 1, bracket - second - 1)))};
}

// "heap_v2/PERIOD"
std::uint64_t period_of(const Reader& r, std::string_view text) {
  const std::uint64_t period = r.number(text.substr(kHeader.size()));
  if (period == 0) r.bad("sample period 0");
  return period;
}

// "0x... 0x..." after a stack's '@', innermost first.
void read_addresses(const Reader& r, std::string_view rest, JemallocStack& stack) {
  while (!(rest = trim(rest)).empty()) {
    const std::size_t end = rest.find_first_of(" \t");
    std::string_view word = rest.substr(0, end);
    rest = end == std::string_view::npos ? std::string_view{} : rest.substr(end);
    if (!word.starts_with("0x")) r.bad("expected a hexadecimal address '0x...'");
    if (stack.addresses.size() == kJemallocMaxFrames) r.bad("more than 256 frames");
    stack.addresses.push_back(r.number(word.substr(2), 16));
  }
  if (stack.addresses.empty()) r.bad("a stack without addresses");
}

// gperftools' format, one line per stack: "OBJECTS: BYTES [ALLOC_OBJECTS: ALLOC_BYTES] @ ...".
// Returns the live objects and bytes and what follows the '@'.
std::string_view legacy_row(const Reader& r, std::string_view t, std::uint64_t& objects, std::uint64_t& bytes) {
  const std::size_t colon = t.find(':'), bracket = t.find('['), close = t.find(']'), at = t.find('@');
  if (colon == std::string_view::npos || bracket == std::string_view::npos || close == std::string_view::npos ||
      at == std::string_view::npos || !(colon < bracket && bracket < close && close < at))
    r.bad("expected 'OBJECTS: BYTES [OBJECTS: BYTES] @ ...'");
  objects = r.number(trim(t.substr(0, colon)));
  bytes = r.number(trim(t.substr(colon + 1, bracket - colon - 1)));
  return t.substr(at + 1);
}

// gperftools' heap profiler (HeapProfilerStart, GetHeapProfile): "heap profile: ... @
// heapprofile" records every allocation (period 0); a sampled one says "@ heap_v2/PERIOD".
JemallocProfile parse_legacy(Reader& r, std::string_view first) {
  JemallocProfile p;
  const std::string_view kind = trim(legacy_row(r, first.substr(kLegacyHeader.size()), p.objects, p.bytes));
  if (kind.starts_with(kHeader)) {
    p.period = period_of(r, kind);
  } else if (kind != "heapprofile") {
    r.bad("expected '@ heapprofile' or '@ heap_v2/PERIOD' after the totals");
  }
  std::string_view t;
  while (r.next_row(t, p.maps)) {
    JemallocStack& stack = p.stacks.emplace_back();
    read_addresses(r, legacy_row(r, t, stack.objects, stack.bytes), stack);
  }
  return p;
}

}  // namespace

JemallocProfile parse_jemalloc_profile(std::string_view text, const std::string& where) {
  Reader r(text, where);
  JemallocProfile p;
  std::string_view line;
  if (r.next(line) && trim(line).starts_with(kLegacyHeader)) return parse_legacy(r, trim(line));
  if (!trim(line).starts_with(kHeader)) r.bad("the first line must be 'heap_v2/PERIOD' or 'heap profile: ...'");
  p.period = period_of(r, trim(line));
  bool totals = false;
  JemallocStack* stack = nullptr;  // the stack whose "t*" line comes next
  bool stack_counted = false;
  std::string_view t;
  while (r.next_row(t, p.maps)) {
    if (t.front() == '@') {
      if (stack && !stack_counted) r.bad("a stack without its 't*:' line");
      stack = &p.stacks.emplace_back();
      stack_counted = false;
      read_addresses(r, t.substr(1), *stack);
      continue;
    }
    if (!t.starts_with("t")) r.bad("unexpected line '" + std::string(t.substr(0, 40)) + "'");
    if (!t.starts_with("t*:")) {  // a thread's share: the totals are on t*
      counts(r, t);
      continue;
    }
    const auto [objects, bytes] = counts(r, t);
    if (stack) {
      if (stack_counted) r.bad("two 't*:' lines for one stack");
      stack->objects = objects;
      stack->bytes = bytes;
      stack_counted = true;
    } else {
      if (totals) r.bad("two 't*:' total lines");
      p.objects = objects;
      p.bytes = bytes;
      totals = true;
    }
  }
  if (stack && !stack_counted) r.bad("a stack without its 't*:' line");
  if (!totals) r.bad("no 't*:' total line");
  return p;
}

double jemalloc_unsampled_bytes(std::uint64_t objects, std::uint64_t bytes, std::uint64_t period) {
  if (bytes == 0) return 0;
  // Bytes without objects (a malformed row) or no period: nothing to scale by; the sampled
  // bytes are what is known.
  if (objects == 0 || period == 0) return static_cast<double>(bytes);
  const double mean = static_cast<double>(bytes) / static_cast<double>(objects);
  const double p = -std::expm1(-mean / static_cast<double>(period));  // probability of sampling such an object
  return static_cast<double>(bytes) / p;
}

}  // namespace memgate::analyze
