#include "record/log_lines.h"

#include <cerrno>
#include <filesystem>
#include <system_error>
#include <vector>

#include "memgate/error.h"
#include "record/segments.h"
#include "sys/segment_io.h"

namespace memgate::record {

namespace {

std::vector<std::string> sources_of(const std::string& path) {
  const std::filesystem::path p(path);
  const std::string dir = p.has_parent_path() ? p.parent_path().string() : ".";
  const std::string base = p.filename().string();
  std::vector<std::string> names;
  std::error_code ec;
  for (std::filesystem::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    std::string name = it->path().filename().string();
    if (name == base || parse_segment_name(base, name)) names.push_back(std::move(name));
  }
  std::vector<std::string> order = segment_reading_order(base, names);
  for (auto& name : order) name = dir + "/" + name;
  return order;
}

// One file's lines; returns 1 when its last line is torn (or its data damaged).
std::size_t read_one(const std::string& source, std::size_t max_line,
                     const std::function<void(const LogLine&)>& on_line, const std::string& hint) {
  sys::ChunkReader reader(source, hint);
  std::vector<char> chunk(std::size_t{1} << 16);
  std::string pending;
  bool oversized = false;
  LogLine line{{}, &source, 0, false};
  for (;;) {
    const std::size_t n = reader.read(chunk.data(), chunk.size());
    if (n == 0) break;
    std::string_view data(chunk.data(), n);
    while (!data.empty()) {
      const auto newline = data.find('\n');
      const std::string_view piece = data.substr(0, newline);
      if (!oversized) {
        if (pending.size() + piece.size() > max_line) {
          oversized = true;
          std::string().swap(pending);
        } else {
          pending.append(piece);
        }
      }
      if (newline == std::string_view::npos) break;
      data.remove_prefix(newline + 1);
      ++line.number;
      line.oversized = oversized;
      line.text = oversized ? std::string_view() : std::string_view(pending);
      on_line(line);
      pending.clear();
      oversized = false;
    }
  }
  return (!pending.empty() || oversized || reader.corrupt()) ? 1 : 0;
}

}  // namespace

std::size_t read_log_lines(const std::string& path, std::size_t max_line,
                           const std::function<void(const LogLine&)>& on_line, bool missing_ok,
                           const std::string& hint) {
  const std::vector<std::string> sources = sources_of(path);
  if (sources.empty()) {
    if (missing_ok) return 0;
    throw Error(ExitCode::usage, errno_message("cannot read " + path, ENOENT) + hint);
  }
  std::size_t torn = 0;
  for (const auto& source : sources) torn += read_one(source, max_line, on_line, hint);
  return torn;
}

}  // namespace memgate::record
