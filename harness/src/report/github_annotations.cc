#include "report/github_annotations.h"

#include "report/figure_text.h"
#include "report/inconclusive_policy.h"

namespace memgate::report {

namespace {

std::string escape(const std::string& text, bool property) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '%': out += "%25"; break;
      case '\r': out += "%0D"; break;
      case '\n': out += "%0A"; break;
      case ':': out += property ? "%3A" : ":"; break;
      case ',': out += property ? "%2C" : ","; break;
      default: out += c;
    }
  }
  return out;
}

std::string line(const char* level, const std::string& title, const std::string& message) {
  return std::string("::") + level + " title=" + escape_annotation_property(title) +
         "::" + escape_annotation_message(message) + "\n";
}

}  // namespace

std::string escape_annotation_message(const std::string& text) { return escape(text, false); }
std::string escape_annotation_property(const std::string& text) { return escape(text, true); }

std::string github_annotations(const RunAnalysis& a, const std::string& title) {
  std::string out;
  if (!a.target_problem.empty()) {
    std::string message = a.target_problem;
    for (const auto& note : a.meta.notes) message += "\n" + note;  // e.g. why it could not start
    out += line("error", title + " target", message);
  }
  for (const auto& c : a.checks) {
    const Outcome gate = gate_outcome(c.outcome, a.inconclusive);
    if (gate != Outcome::fail && c.outcome != Outcome::inconclusive) continue;
    const std::string figures = key_figures(c);
    const std::string message = c.summary + (figures.empty() ? "" : "\n" + figures);
    if (gate == Outcome::fail)
      out += line("error", title + " " + c.id + (c.outcome == Outcome::inconclusive ? " inconclusive" : " failed"),
                  message);
    else out += line("warning", title + " " + c.id + " inconclusive", message);
  }
  return out;
}

}  // namespace memgate::report
