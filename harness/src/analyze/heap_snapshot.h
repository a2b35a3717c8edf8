// The `--attribute` heap snapshot files (run directory attribution/snapshot-NNNN.txt) and
// the symbol table beside them (attribution/symbols.tsv): their values and their text
// format, written by memgate's attribution recorder and read back by the report. Pure:
// text in, text out (docs/attribution.md documents the format).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace memgate::analyze {

// A return address as an offset in its module's file (run-time address minus its
// mapping's start plus the mapping's file offset): the same in every process and at
// every load address. module -1: in no file-backed mapping (offset is the address).
struct HeapFrame {
  int module = -1;
  std::uint64_t offset = 0;
  bool operator<(const HeapFrame& o) const { return module != o.module ? module < o.module : offset < o.offset; }
  bool operator==(const HeapFrame& o) const = default;
};

struct HeapStack {
  int pid = 0;
  std::uint64_t count = 0;        // sampled blocks live with this stack
  double bytes = 0;               // the live bytes they stand for (sum of sample weights)
  std::vector<HeapFrame> frames;  // innermost (the allocating call) first
};

struct HeapMapping {  // one executable mapping of /proc/PID/maps at snapshot time
  int pid = 0;
  std::uint64_t start = 0, end = 0, offset = 0;
  std::string path;
};

struct HeapProcess {
  int pid = 0;
  std::uint64_t live = 0, sampled = 0, freed = 0, dropped = 0;
};

struct HeapSnapshot {
  double t_s = 0;
  std::string label;  // "periodic", "phase:burst->recovery", "end"
  double mean_bytes = 0;
  std::vector<std::string> modules;  // HeapFrame::module indexes this
  std::vector<HeapProcess> processes;
  std::vector<HeapMapping> maps;
  std::vector<HeapStack> stacks;
};

std::string to_text(const HeapSnapshot& s);
// Throws memgate::Error(usage) naming `where` and the line for a malformed file.
HeapSnapshot parse_heap_snapshot(std::string_view text, const std::string& where);

struct SymbolRow {
  std::string module;
  std::uint64_t offset = 0;
  std::string function, file;
  int line = 0;
};
std::string to_text(const std::vector<SymbolRow>& rows);
std::vector<SymbolRow> parse_symbols(std::string_view text, const std::string& where);

// The executable file-backed mappings of a /proc/PID/maps text.
std::vector<HeapMapping> parse_exec_mappings(std::string_view maps, int pid);

}  // namespace memgate::analyze
