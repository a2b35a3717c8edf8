#include "record/json_file.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "memgate/error.h"

namespace memgate::record {
namespace {

// Thrown from the parser callback: nlohmann stops and unwinds (its parser is iterative
// and so is its destructor, so the partial document is freed without recursion).
struct TooDeep {};

}  // namespace

nlohmann::json parse_json_text(std::string_view text, const std::string& name, bool ignore_comments) {
  const nlohmann::json::parser_callback_t limit_depth = [](int depth, nlohmann::json::parse_event_t event, nlohmann::json&) {
    // depth counts the containers already open around this one.
    if ((event == nlohmann::json::parse_event_t::object_start || event == nlohmann::json::parse_event_t::array_start) &&
        depth >= kMaxJsonDepth)
      throw TooDeep{};
    return true;
  };
  try {
    return nlohmann::json::parse(text.begin(), text.end(), limit_depth, /*allow_exceptions=*/true, ignore_comments);
  } catch (const TooDeep&) {
    throw Error(ExitCode::usage, name + ": nested deeper than " + std::to_string(kMaxJsonDepth) + " levels");
  } catch (const nlohmann::json::out_of_range& e) {
    // 406: a number that does not fit a double, e.g. 1e400.
    throw Error(ExitCode::usage, name + ": a number is out of range (" + e.what() + "); numbers must fit a double");
  } catch (const nlohmann::json::exception& e) {
    // e.what() carries the line and column.
    throw Error(ExitCode::usage, name + ": not valid JSON: " + std::string(e.what()));
  }
}

nlohmann::json read_json_file(const std::string& path, const JsonReadOptions& options) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(ExitCode::usage, errno_message(path + ": cannot read the " + options.what, errno) + "; check the path");
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0) {
    if (S_ISDIR(st.st_mode)) throw Error(ExitCode::usage, path + ": is a directory; expected a JSON " + options.what);
    if (S_ISREG(st.st_mode) && static_cast<std::uint64_t>(st.st_size) > options.max_bytes)
      throw Error(ExitCode::usage, path + ": " + std::to_string(st.st_size) + " bytes; a " + options.what + " may be at most " +
                                       std::to_string(options.max_bytes) + " bytes");
  }
  // Read at most one byte past the cap (a pipe or a file growing under us).
  std::string text;
  char buffer[1 << 16];
  while (in.read(buffer, sizeof buffer) || in.gcount() > 0) {
    text.append(buffer, static_cast<std::size_t>(in.gcount()));
    if (text.size() > options.max_bytes)
      throw Error(ExitCode::usage, path + ": more than " + std::to_string(options.max_bytes) + " bytes; a " + options.what +
                                       " may be at most " + std::to_string(options.max_bytes) + " bytes");
  }
  if (in.bad()) throw Error(ExitCode::usage, errno_message(path + ": cannot read the " + options.what, errno));
  return parse_json_text(text, path, options.ignore_comments);
}

std::string dump_json(const nlohmann::json& value, int indent) {
  return value.dump(indent, ' ', /*ensure_ascii=*/false, nlohmann::json::error_handler_t::replace);
}

void write_json_file(const std::string& path, const nlohmann::json& value) {
  const std::string text = dump_json(value, 2) + '\n';  // before the temp file exists
  const std::string temp = path + ".tmp";
  {
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    if (!out) throw Error(ExitCode::usage, errno_message("cannot write " + temp, errno));
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
    out.close();
    if (!out) {
      const int err = errno;
      ::unlink(temp.c_str());
      throw Error(ExitCode::usage, errno_message("cannot write " + temp, err) + " (disk full?)");
    }
  }
  if (std::rename(temp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    ::unlink(temp.c_str());
    throw Error(ExitCode::usage, errno_message("cannot rename " + temp + " to " + path, err));
  }
}

}  // namespace memgate::record
