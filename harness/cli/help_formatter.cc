#include "help_formatter.h"

#include <algorithm>
#include <string>

namespace memgate::cli {

namespace {

class HelpFormatter : public CLI::Formatter {
 public:
  HelpFormatter() { column_width(32); }

  // " SIZE", " N ...": the value's name only. CLI11 appends each validator's description
  // to the type name after a ':' ("FLOAT:FLOAT in [0.001 - 1000]"); no memgate type name
  // holds one.
  std::string make_option_opts(const CLI::Option* opt) const override {
    if (opt->get_type_size() == 0 || opt->get_positional()) return {};  // a switch; a positional's name is its value
    const std::string type = value_name(opt);
    return " " + type + (opt->get_expected_max() > 1 && type.find("...") == std::string::npos ? " ..." : "");
  }

  // The default, when the help text does not already say it.
  std::string make_option_desc(const CLI::Option* opt) const override {
    std::string desc = opt->get_description();
    const std::string fallback = opt->get_default_str();
    if (opt->get_type_size() != 0 && !fallback.empty() && desc.find("default") == std::string::npos)
      desc += " (default " + fallback + ")";
    return desc;
  }

  // Positionals by their value name ("command CMD ARGS... ... REQUIRED" read as three
  // things), in the list and in the usage line.
  std::string make_option_name(const CLI::Option* opt, bool is_positional) const override {
    if (is_positional) return value_name(opt);
    // "--no-plot{false}": CLI11 keeps a flag's default-value spec in its name.
    std::string name = CLI::Formatter::make_option_name(opt, is_positional);
    for (std::size_t open = name.find('{'); open != std::string::npos; open = name.find('{', open))
      name.erase(open, name.find('}', open) == std::string::npos ? std::string::npos : name.find('}', open) - open + 1);
    return name;
  }
  std::string make_option_usage(const CLI::Option* opt) const override {
    const std::string name = value_name(opt);
    return name + (opt->get_expected_max() > 1 && name.find("...") == std::string::npos ? "..." : "");
  }

 private:
  // CLI11 appends each validator's description to the type name after a ':'
  // ("FLOAT:FLOAT in [0.001 - 1000]", "TEXT:{none,budget,fail}"): keep the value's name,
  // or the choices of a set ("none|budget|fail"). No memgate type name holds a ':'.
  static std::string value_name(const CLI::Option* opt) {
    const std::string type = opt->get_type_name();
    if (type.empty()) return opt->get_name(true, false);
    const std::string base = type.substr(0, type.find(':'));
    if (base == "TEXT" && type.size() > 6 && type[5] == '{' && type.back() == '}') {
      std::string choices = type.substr(6, type.size() - 7);
      std::replace(choices.begin(), choices.end(), ',', '|');
      return choices;
    }
    if (base == "INT" || base == "UINT") return "N";
    if (base == "FLOAT") return "NUMBER";
    return base;
  }
};

}  // namespace

std::shared_ptr<CLI::Formatter> help_formatter() { return std::make_shared<HelpFormatter>(); }

}  // namespace memgate::cli
