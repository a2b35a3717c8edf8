// The metrics channel's reader (metrics/line_splitter.h, metrics/metrics_table.h):
// whatever a target writes into the FIFO, lines are counted, never thrown, memory
// stays bounded, and how the bytes were split into reads does not change the result.
#include <algorithm>
#include <string>
#include <vector>

#include "fuzz_support.h"
#include "metrics/line_splitter.h"
#include "metrics/metrics_table.h"

namespace {

using namespace memgate;

struct ReadResult {
  std::vector<std::string> lines;
  std::uint64_t oversized = 0;
  nlohmann::json figures;
};

constexpr metrics::TableLimits kLimits{.max_unknown_fields = 4, .max_writers = 3, .max_accounting_bytes = 4096};

ReadResult read_in_chunks(std::string_view bytes, std::size_t chunk, std::size_t max_line) {
  ReadResult out;
  metrics::LineSplitter splitter(max_line);
  metrics::MetricsTable table({"queue_depth", "records_in", "throttled"}, kLimits);
  while (!bytes.empty()) {
    const std::string_view piece = bytes.substr(0, chunk);
    bytes.remove_prefix(piece.size());
    splitter.feed(
        piece,
        [&](std::string_view line) {
          FUZZ_CHECK(line.size() <= max_line, "a line longer than max_line was delivered");
          FUZZ_CHECK(line.find('\n') == std::string_view::npos, "a delivered line holds a newline");
          out.lines.emplace_back(line);
          table.feed(line);
        },
        [&] {
          ++out.oversized;
          table.count_oversized();
        });
    FUZZ_CHECK(splitter.pending() <= max_line, "the splitter holds more than max_line bytes");
  }
  FUZZ_CHECK(table.lines() == out.lines.size(), "MetricsTable::lines() != lines fed");
  FUZZ_CHECK(table.malformed() <= table.lines(), "more malformed lines than lines");
  FUZZ_CHECK(table.oversized() == out.oversized, "oversized count");
  out.figures = table.figures();
  // Bounded: declared fields plus at most max_unknown_fields others, max_writers writers.
  FUZZ_CHECK(out.figures["last"].size() <= 3 + kLimits.max_unknown_fields, "unknown fields not bounded");
  FUZZ_CHECK(out.figures["writers"].size() <= kLimits.max_writers, "writers not bounded");
  // report.json carries the figures: they must serialise (strict UTF-8).
  (void)out.figures.dump();
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes = fuzz::as_text(data, size);
  for (const std::size_t max_line : {std::size_t{64}, std::size_t{4096}}) {
    const ReadResult whole = read_in_chunks(bytes, std::max<std::size_t>(size, 1), max_line);
    for (const std::size_t chunk : {std::size_t{1}, std::size_t{7}, std::size_t{61}}) {
      const ReadResult split = read_in_chunks(bytes, chunk, max_line);
      FUZZ_CHECK(split.lines == whole.lines, "lines depend on how the bytes were split into reads");
      FUZZ_CHECK(split.oversized == whole.oversized, "oversized count depends on the read sizes");
      FUZZ_CHECK(split.figures == whole.figures, "figures depend on the read sizes");
    }
  }
  return 0;
}
