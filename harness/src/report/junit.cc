#include "report/junit.h"

#include <cmath>
#include <cstdio>
#include <ctime>

#include "report/figure_text.h"
#include "report/inconclusive_policy.h"

namespace memgate::report {

namespace {

// Text and attribute values: the five XML entities, line breaks kept in attributes as
// character references, and control characters XML 1.0 cannot carry dropped.
std::string xml_escape(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      case '\n': out += "&#10;"; break;
      case '\r': out += "&#13;"; break;
      case '\t': out += "&#9;"; break;
      default:
        if (static_cast<unsigned char>(c) >= 0x20) out += c;
    }
  }
  return out;
}

// Element text: the same, but line breaks stay literal for readers showing the body.
std::string xml_text(const std::string& text) {
  std::string out;
  for (char c : text) out += c == '\n' ? std::string("\n") : xml_escape(std::string(1, c));
  return out;
}

std::string seconds(double s) {
  char text[32];
  std::snprintf(text, sizeof text, "%.3f", std::isfinite(s) && s > 0 ? s : 0.0);
  return text;
}

// Ant's form: local-free UTC without zone or fraction ("2026-12-04T19:00:01").
std::string ant_timestamp(std::int64_t unix_ms) {
  const std::time_t t = static_cast<std::time_t>(unix_ms / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &tm);
  return text;
}

std::string allocator_of(const record::RunMeta& meta) {
  if (const auto it = meta.samplers.find("alloc"); it != meta.samplers.end() && it->is_object())
    if (const auto e = it->find("expected"); e != it->end() && e->is_string()) return e->get<std::string>();
  return "the target's own";
}

std::string joined(const std::vector<std::string>& words) {
  std::string out;
  for (const auto& w : words) out += (out.empty() ? "" : " ") + w;
  return out;
}

struct Counts {
  std::size_t tests = 0, failures = 0, skipped = 0;
};

std::string test_case(const std::string& classname, const std::string& name, double time_s, Outcome outcome,
                      Outcome raw, const std::string& summary, const std::string& details, Counts& n) {
  ++n.tests;
  std::string out = "    <testcase classname=\"" + xml_escape(classname) + "\" name=\"" + xml_escape(name) +
                    "\" time=\"" + seconds(time_s) + "\">\n";
  const std::string body = summary + "\n" + details;
  const std::string type = raw == Outcome::inconclusive ? "inconclusive" : name == "target" ? "target" : "fail";
  if (outcome == Outcome::fail) {
    ++n.failures;
    out += "      <failure message=\"" + xml_escape(summary) + "\" type=\"" + type + "\">" + xml_text(body) +
           "</failure>\n";
  } else {
    if (outcome == Outcome::inconclusive) {
      ++n.skipped;
      out += "      <skipped message=\"inconclusive: " + xml_escape(summary) + "\"/>\n";
    }
    const std::string prefix = raw == Outcome::inconclusive ? "INCONCLUSIVE: " : "";
    out += "      <system-out>" + xml_text(prefix + body) + "</system-out>\n";
  }
  return out + "    </testcase>\n";
}

}  // namespace

std::string default_suite_name(const record::RunMeta& meta) {
  if (meta.scenario.is_object())
    if (const auto it = meta.scenario.find("name"); it != meta.scenario.end() && it->is_string())
      return "memgate: " + it->get<std::string>();
  std::string command = joined(meta.command);
  if (command.size() > 80) command = command.substr(0, 77) + "...";
  return command.empty() ? "memgate" : "memgate: " + command;
}

std::string junit_xml(const RunAnalysis& a, const std::string& suite_name) {
  const std::string suite = suite_name.empty() ? default_suite_name(a.meta) : suite_name;
  const double time_s = a.summary.duration_s;
  Counts n;
  std::string cases;

  std::string target_details;
  for (const auto& note : a.meta.notes) target_details += "note: " + note + "\n";
  const bool target_ok = a.target_problem.empty();
  cases += test_case(suite, "target", time_s, target_ok ? Outcome::pass : Outcome::fail,
                     target_ok ? Outcome::pass : Outcome::fail,
                     target_ok ? "the target ran (" + a.meta.end_reason + ")" : a.target_problem, target_details, n);
  for (const auto& c : a.checks)
    cases += test_case(suite, c.id, time_s, gate_outcome(c.outcome, a.inconclusive), c.outcome, c.summary,
                       figures_text(c), n);

  std::string properties;
  const auto property = [&properties](const std::string& name, const std::string& value) {
    properties += "      <property name=\"" + name + "\" value=\"" + xml_escape(value) + "\"/>\n";
  };
  property("command", joined(a.meta.command));
  property("allocator", allocator_of(a.meta));
  property("memgate_version", MEMGATE_VERSION);
  if (a.meta.scenario.is_object() && a.meta.scenario.contains("file"))
    property("scenario", a.meta.scenario["file"].is_string() ? a.meta.scenario["file"].get<std::string>() : "");
  property("verdict", std::string(to_string(a.verdict.outcome)));
  property("verdict_reason", a.verdict.reason);
  property("inconclusive_policy", std::string(to_string(a.inconclusive)));
  property("exit_code", std::to_string(static_cast<int>(a.exit_code)));

  const std::string counts = "tests=\"" + std::to_string(n.tests) + "\" failures=\"" + std::to_string(n.failures) +
                             "\" errors=\"0\" skipped=\"" + std::to_string(n.skipped) + "\" time=\"" + seconds(time_s) +
                             "\"";
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"memgate\" " + counts + ">\n" +
         "  <testsuite name=\"" + xml_escape(suite) + "\" " + counts + " timestamp=\"" +
         ant_timestamp(a.meta.started_unix_ms) + "\" hostname=\"" + xml_escape(a.meta.host) +
         "\" id=\"0\" package=\"memgate\">\n    <properties>\n" + properties + "    </properties>\n" + cases +
         "  </testsuite>\n</testsuites>\n";
}

}  // namespace memgate::report
