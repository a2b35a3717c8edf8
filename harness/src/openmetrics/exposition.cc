#include "openmetrics/exposition.h"

#include <charconv>
#include <cmath>
#include <stdexcept>

namespace memgate::openmetrics {

namespace {

bool name_char(char c, bool first, bool colon) {
  const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (colon && c == ':');
  return alpha || (!first && c >= '0' && c <= '9');
}

bool valid_name(std::string_view name, bool colon) {
  if (name.empty()) return false;
  for (std::size_t i = 0; i < name.size(); ++i)
    if (!name_char(name[i], i == 0, colon)) return false;
  return true;
}

// Length of the valid UTF-8 sequence starting at s[i], 0 when it is not one (overlong
// forms, surrogates and code points beyond U+10FFFF included).
std::size_t utf8_length(std::string_view s, std::size_t i) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char b = byte(i);
  if (b < 0x80) return 1;
  std::size_t n = 0;
  unsigned lo = 0x80, hi = 0xBF;  // allowed range of the second byte
  if (b >= 0xC2 && b <= 0xDF) n = 2;
  else if (b >= 0xE0 && b <= 0xEF) {
    n = 3;
    if (b == 0xE0) lo = 0xA0;
    if (b == 0xED) hi = 0x9F;
  } else if (b >= 0xF0 && b <= 0xF4) {
    n = 4;
    if (b == 0xF0) lo = 0x90;
    if (b == 0xF4) hi = 0x8F;
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  if (byte(i + 1) < lo || byte(i + 1) > hi) return 0;
  for (std::size_t k = 2; k < n; ++k)
    if (byte(i + k) < 0x80 || byte(i + k) > 0xBF) return 0;
  return n;
}

std::string escape_help(std::string_view text, Format format) {
  std::string out;
  for (char c : text) {
    if (c == '\\') out += "\\\\";
    else if (c == '\n') out += "\\n";
    else if (c == '"' && format == Format::openmetrics) out += "\\\"";
    else out += c;
  }
  return out;
}

// OpenMetrics names a counter family without its _total suffix.
std::string family_name(const Family& f, Format format) {
  constexpr std::string_view kTotal = "_total";
  if (format == Format::openmetrics && f.type == Type::counter && f.name.size() > kTotal.size() &&
      f.name.compare(f.name.size() - kTotal.size(), kTotal.size(), kTotal) == 0)
    return f.name.substr(0, f.name.size() - kTotal.size());
  return f.name;
}

void check_family(const Family& f) {
  if (!valid_metric_name(f.name)) throw std::logic_error("invalid metric name: " + f.name);
  if (f.type == Type::counter && !f.name.ends_with("_total"))
    throw std::logic_error("a counter's name ends with _total: " + f.name);
  if (!f.unit.empty() && !family_name(f, Format::openmetrics).ends_with("_" + f.unit))
    throw std::logic_error("a metric's name ends with its unit: " + f.name);
}

void append_labels(std::string& out, const Labels& common, const Labels& own) {
  if (common.empty() && own.empty()) return;
  out += '{';
  bool first = true;
  for (const Labels* set : {&common, &own})
    for (const auto& [name, value] : *set) {
      if (!valid_label_name(name)) throw std::logic_error("invalid label name: " + name);
      if (!first) out += ',';
      first = false;
      out += name;
      out += "=\"";
      out += escape_label_value(value);
      out += '"';
    }
  out += '}';
}

}  // namespace

bool valid_metric_name(std::string_view name) { return valid_name(name, true); }

bool valid_label_name(std::string_view name) { return valid_name(name, false) && !name.starts_with("__"); }

std::string escape_label_value(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (std::size_t i = 0; i < value.size();) {
    const std::size_t n = utf8_length(value, i);
    if (n == 0) {
      out += "\xEF\xBF\xBD";  // U+FFFD REPLACEMENT CHARACTER
      ++i;
      continue;
    }
    const char c = value[i];
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out.append(value.substr(i, n));
    i += n;
  }
  return out;
}

std::string format_value(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  if (std::trunc(value) == value && std::fabs(value) <= 9007199254740992.0)
    return std::to_string(static_cast<long long>(value));
  char buffer[64];
  const auto r = std::to_chars(buffer, buffer + sizeof buffer, value);
  return {buffer, r.ptr};
}

std::string_view content_type(Format format) {
  return format == Format::openmetrics ? "application/openmetrics-text; version=1.0.0; charset=utf-8"
                                       : "text/plain; version=0.0.4; charset=utf-8";
}

std::string render(const std::vector<Family>& families, const Labels& common, Format format) {
  std::string out;
  for (const Family& f : families) {
    check_family(f);
    if (f.samples.empty()) continue;
    const std::string name = family_name(f, format);
    out += "# HELP " + name + " " + escape_help(f.help, format) + "\n";
    out += "# TYPE " + name + (f.type == Type::counter ? " counter\n" : " gauge\n");
    if (format == Format::openmetrics && !f.unit.empty()) out += "# UNIT " + name + " " + f.unit + "\n";
    for (const Sample& s : f.samples) {
      out += f.name;
      append_labels(out, common, s.labels);
      out += ' ';
      out += format_value(s.value);
      out += '\n';
    }
  }
  if (format == Format::openmetrics) out += "# EOF\n";
  return out;
}

}  // namespace memgate::openmetrics
