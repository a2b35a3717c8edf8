// What --metrics-listen reads from the network (sys/metrics_server.h) and the label
// values the export escapes (openmetrics/exposition.h): any request head gets one
// well-formed HTTP/1.1 response whose Content-Length is its body's; any bytes escape to
// valid UTF-8 without a raw quote or newline; a listen address parses or is an Error.
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_support.h"
#include "openmetrics/exposition.h"
#include "sys/metrics_server.h"

namespace {

using namespace memgate;

void check_response(const std::string& r, bool head_only) {
  FUZZ_CHECK(r.starts_with("HTTP/1.1 "), "a status line");
  const std::size_t end = r.find("\r\n\r\n");
  FUZZ_CHECK(end != std::string::npos, "a header block");
  const std::size_t at = r.find("Content-Length: ");
  FUZZ_CHECK(at != std::string::npos && at < end, "a Content-Length");
  const std::size_t length = std::stoul(r.substr(at + 16));
  FUZZ_CHECK(head_only || length == r.size() - end - 4, "Content-Length is the body's length");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const sys::MetricsPage page{"memgate_x 1\n", "memgate_x 1\n# EOF\n"};
  const bool head = text.starts_with("HEAD ");
  check_response(sys::metrics_response(text, &page), head);
  check_response(sys::metrics_response(text, nullptr), head);

  const std::string escaped = openmetrics::escape_label_value(text);
  FUZZ_CHECK(escaped.find('\n') == std::string::npos, "no raw newline in a label value");
  for (std::size_t i = 0; i < escaped.size(); ++i)
    if (escaped[i] == '\\') ++i;  // an escape pair
    else FUZZ_CHECK(escaped[i] != '"', "no raw quote in a label value");
  // The output is valid UTF-8: escaping it again replaces nothing more.
  const auto replacements = [](std::string_view s) {
    std::size_t n = 0;
    for (std::size_t at = s.find("\xEF\xBF\xBD"); at != std::string_view::npos; at = s.find("\xEF\xBF\xBD", at + 3))
      ++n;
    return n;
  };
  FUZZ_CHECK(replacements(openmetrics::escape_label_value(escaped)) == replacements(escaped),
             "escaped text is valid UTF-8");

  fuzz::accepts([&] { sys::parse_listen_address(text, text.size() % 2 == 0); });
  return 0;
}
