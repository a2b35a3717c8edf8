// /proc parsers (sys/proc_parse.h): any bytes a read of status, stat or smaps_rollup
// may return (truncated, a comm with parentheses, garbage) give fields or nullopt;
// they never throw or read out of bounds.
#include <algorithm>
#include <string>

#include "fuzz_support.h"
#include "sys/proc_parse.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace memgate;
  const std::string_view text = fuzz::as_text(data, size);

  const sys::StatusFields status = sys::parse_status(text);
  // Every byte figure is a kB value times 1024.
  for (const auto bytes : {status.rss_bytes, status.rss_anon_bytes, status.rss_file_bytes, status.rss_shmem_bytes,
                           status.hwm_bytes, status.swap_bytes})
    FUZZ_CHECK(bytes % 1024 == 0, "status: a byte figure that is not whole kB");
  FUZZ_CHECK(status.name.size() <= size, "status: Name longer than the input");
  FUZZ_CHECK(status.has_rss || status.rss_bytes == 0, "status: RSS without a VmRSS line");

  if (const auto stat = sys::parse_stat(text)) {
    // comm is what lies between the first '(' and the last ')'.
    const auto open = text.find('('), close = text.rfind(')');
    FUZZ_CHECK(open != std::string_view::npos && close != std::string_view::npos && open < close,
               "stat: parsed without a (comm)");
    FUZZ_CHECK(stat->comm == text.substr(open + 1, close - open - 1),
               "stat: comm is not the text between ( and the last )");
  }

  const sys::SmapsRollupFields rollup = sys::parse_smaps_rollup(text);
  for (const auto bytes : {rollup.rss_bytes, rollup.pss_bytes, rollup.pss_anon_bytes, rollup.pss_file_bytes,
                           rollup.pss_shmem_bytes, rollup.swap_bytes, rollup.swap_pss_bytes})
    FUZZ_CHECK(bytes % 1024 == 0, "smaps_rollup: a byte figure that is not whole kB");

  for (const char* key : {"VmRSS", "Pss", "Rss"}) {
    if (const auto v = sys::kb_field_bytes(text, key)) FUZZ_CHECK(*v % 1024 == 0, "kb_field_bytes: not whole kB");
  }
  // With one "Pss:" line, the single-key reader and the rollup parser agree.
  std::size_t pss_lines = 0;
  for (std::size_t at = 0; at < text.size();) {
    const auto eol = std::min(text.find('\n', at), text.size());
    if (text.substr(at, eol - at).substr(0, 4) == "Pss:") ++pss_lines;
    at = eol + 1;
  }
  if (pss_lines == 1)
    FUZZ_CHECK(sys::kb_field_bytes(text, "Pss") == rollup.pss_bytes, "kb_field_bytes(Pss) != parse_smaps_rollup");
  return 0;
}
