#include "analyze/heap_snapshot.h"

#include <charconv>
#include <cstdio>

#include "memgate/error.h"

namespace memgate::analyze {

namespace {

constexpr std::string_view kMagic = "memgate-heap-snapshot 1";

std::string hex(std::uint64_t v) {
  char b[24];
  std::snprintf(b, sizeof b, "%llx", static_cast<unsigned long long>(v));
  return b;
}

// Splits on one separator character, keeping empty fields.
std::vector<std::string_view> split(std::string_view line, char sep, std::size_t max_fields = 0) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  while (true) {
    if (max_fields && out.size() + 1 == max_fields) {
      out.push_back(line.substr(start));
      return out;
    }
    const std::size_t at = line.find(sep, start);
    out.push_back(line.substr(start, at == std::string_view::npos ? std::string_view::npos : at - start));
    if (at == std::string_view::npos) return out;
    start = at + 1;
  }
}

struct LineReader {
  std::string_view text;
  const std::string& where;
  std::size_t number = 0;

  bool next(std::string_view& line) {
    while (!text.empty()) {
      const std::size_t nl = text.find('\n');
      line = text.substr(0, nl);
      text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
      ++number;
      if (!line.empty()) return true;
    }
    return false;
  }
  [[noreturn]] void bad(const std::string& what) const {
    throw Error(ExitCode::usage, where + ":" + std::to_string(number) + ": " + what +
                                     " (a memgate attribution file; rerun with --attribute to rewrite it)");
  }
  template <typename T>
  T number_of(std::string_view field, int base = 10) const {
    T v{};
    const auto [end, ec] = std::from_chars(field.data(), field.data() + field.size(), v, base);
    if (ec != std::errc() || end != field.data() + field.size()) bad("bad number '" + std::string(field) + "'");
    return v;
  }
  double real_of(std::string_view field) const {
    double v = 0;
    const auto [end, ec] = std::from_chars(field.data(), field.data() + field.size(), v);
    if (ec != std::errc() || end != field.data() + field.size()) bad("bad number '" + std::string(field) + "'");
    return v;
  }
};

}  // namespace

std::string to_text(const HeapSnapshot& s) {
  std::string out{kMagic};
  char b[160];
  std::snprintf(b, sizeof b, "\nt %.3f\nlabel %s\nmean_bytes %.0f\n", s.t_s, s.label.c_str(), s.mean_bytes);
  out += b;
  for (std::size_t i = 0; i < s.modules.size(); ++i) out += "module " + std::to_string(i) + " " + s.modules[i] + "\n";
  for (const auto& p : s.processes)
    out += "process " + std::to_string(p.pid) + " " + std::to_string(p.live) + " " + std::to_string(p.sampled) + " " +
           std::to_string(p.freed) + " " + std::to_string(p.dropped) + "\n";
  for (const auto& m : s.maps)
    out += "map " + std::to_string(m.pid) + " " + hex(m.start) + " " + hex(m.end) + " " + hex(m.offset) + " " + m.path +
           "\n";
  for (const auto& st : s.stacks) {
    std::snprintf(b, sizeof b, "stack %d %llu %.0f ", st.pid, static_cast<unsigned long long>(st.count), st.bytes);
    out += b;
    for (std::size_t i = 0; i < st.frames.size(); ++i)
      out += (i ? ";" : "") + std::to_string(st.frames[i].module) + "+" + hex(st.frames[i].offset);
    out += "\n";
  }
  return out;
}

HeapSnapshot parse_heap_snapshot(std::string_view text, const std::string& where) {
  LineReader r{text, where};
  std::string_view line;
  if (!r.next(line) || line != kMagic) r.bad("does not start with '" + std::string(kMagic) + "'");
  HeapSnapshot s;
  while (r.next(line)) {
    const auto sp = line.find(' ');
    const std::string_view key = line.substr(0, sp);
    const std::string_view rest = sp == std::string_view::npos ? std::string_view{} : line.substr(sp + 1);
    if (key == "t") {
      s.t_s = r.real_of(rest);
    } else if (key == "label") {
      s.label = std::string(rest);
    } else if (key == "mean_bytes") {
      s.mean_bytes = r.real_of(rest);
    } else if (key == "module") {
      const auto f = split(rest, ' ', 2);
      if (f.size() != 2 || r.number_of<std::size_t>(f[0]) != s.modules.size()) r.bad("module lines out of order");
      s.modules.emplace_back(f[1]);
    } else if (key == "process") {
      const auto f = split(rest, ' ');
      if (f.size() != 5) r.bad("a process line has 5 fields");
      s.processes.push_back({r.number_of<int>(f[0]), r.number_of<std::uint64_t>(f[1]), r.number_of<std::uint64_t>(f[2]),
                             r.number_of<std::uint64_t>(f[3]), r.number_of<std::uint64_t>(f[4])});
    } else if (key == "map") {
      const auto f = split(rest, ' ', 5);
      if (f.size() != 5) r.bad("a map line has 5 fields");
      s.maps.push_back({r.number_of<int>(f[0]), r.number_of<std::uint64_t>(f[1], 16),
                        r.number_of<std::uint64_t>(f[2], 16), r.number_of<std::uint64_t>(f[3], 16), std::string(f[4])});
    } else if (key == "stack") {
      const auto f = split(rest, ' ');
      if (f.size() != 4) r.bad("a stack line has 4 fields");
      HeapStack st{r.number_of<int>(f[0]), r.number_of<std::uint64_t>(f[1]), r.real_of(f[2]), {}};
      for (const auto frame : split(f[3], ';')) {
        const auto plus = frame.find('+');
        if (plus == std::string_view::npos) r.bad("a frame is MODULE+HEXOFFSET");
        const int module = r.number_of<int>(frame.substr(0, plus));
        if (module < -1 || module >= static_cast<int>(s.modules.size())) r.bad("a frame names an unknown module");
        st.frames.push_back({module, r.number_of<std::uint64_t>(frame.substr(plus + 1), 16)});
      }
      s.stacks.push_back(std::move(st));
    } else {
      r.bad("unknown line '" + std::string(key) + "'");
    }
  }
  return s;
}

std::string to_text(const std::vector<SymbolRow>& rows) {
  std::string out;
  for (const auto& row : rows)
    out += row.module + "\t" + hex(row.offset) + "\t" + row.function + "\t" + row.file + "\t" +
           std::to_string(row.line) + "\n";
  return out;
}

std::vector<SymbolRow> parse_symbols(std::string_view text, const std::string& where) {
  LineReader r{text, where};
  std::vector<SymbolRow> rows;
  std::string_view line;
  while (r.next(line)) {
    const auto f = split(line, '\t');
    if (f.size() != 5) r.bad("a symbol line has 5 tab-separated fields");
    rows.push_back({std::string(f[0]), r.number_of<std::uint64_t>(f[1], 16), std::string(f[2]), std::string(f[3]),
                    r.number_of<int>(f[4])});
  }
  return rows;
}

std::vector<HeapMapping> parse_exec_mappings(std::string_view maps, int pid) {
  std::vector<HeapMapping> out;
  std::size_t start = 0;
  while (start < maps.size()) {
    const std::size_t nl = maps.find('\n', start);
    const std::string_view line =
        maps.substr(start, nl == std::string_view::npos ? std::string_view::npos : nl - start);
    start = nl == std::string_view::npos ? maps.size() : nl + 1;
    // start-end perms offset dev inode path
    const auto f = split(line, ' ');
    if (f.size() < 6 || f[1].size() < 4 || f[1][2] != 'x') continue;
    const auto dash = f[0].find('-');  // in the address range, not anywhere on the line
    if (dash == std::string_view::npos) continue;
    const std::string_view path = line.substr(line.find('/') == std::string_view::npos ? line.size() : line.find('/'));
    if (path.empty()) continue;  // anonymous, [vdso], [stack]: no file to symbolize
    HeapMapping m;
    m.pid = pid;
    const auto hexval = [](std::string_view v, std::uint64_t& out_v) {
      return std::from_chars(v.data(), v.data() + v.size(), out_v, 16).ec == std::errc();
    };
    if (!hexval(f[0].substr(0, dash), m.start) || !hexval(f[0].substr(dash + 1), m.end) || !hexval(f[2], m.offset))
      continue;
    m.path = std::string(path);
    out.push_back(std::move(m));
  }
  return out;
}

}  // namespace memgate::analyze
