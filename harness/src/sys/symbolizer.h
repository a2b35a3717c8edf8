// Source locations of code addresses, through elfutils' libdwfl (ELF symbol tables,
// DWARF line tables, separate debug files under /usr/lib/debug): the `--attribute` heap
// profiles name call sites with it. Reading ELF files is file access, hence sys/.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

struct Dwfl_Module;  // elfutils/libdwfl.h

namespace memgate::sys {

struct SourceLocation {
  std::string function;  // demangled; empty when the module has no symbol for it (stripped)
  std::string file;      // empty without line information
  int line = 0;
};

class Symbolizer {
 public:
  Symbolizer();
  ~Symbolizer();
  Symbolizer(const Symbolizer&) = delete;
  Symbolizer& operator=(const Symbolizer&) = delete;

  // `file_offset`: where the code is in the module's file (run-time address minus the
  // mapping's start plus its file offset, from /proc/PID/maps), so one lookup serves
  // every process and every load address. An unreadable module gives an empty location.
  SourceLocation lookup(const std::string& module_path, std::uint64_t file_offset);

  // The same address with its inlined calls, innermost first: the line inside the inlined
  // function, then the line each inlined call was made from, ending with the function the
  // compiler emitted (whose entry is lookup()'s function). One entry when nothing is
  // inlined there or the module has no DWARF scopes.
  std::vector<SourceLocation> lookup_inlined(const std::string& module_path, std::uint64_t file_offset);

 private:
  struct State;
  // The module (reported on first use) and the module address of a file offset.
  ::Dwfl_Module* module_at(const std::string& module_path, std::uint64_t file_offset, std::uint64_t& at);
  std::unique_ptr<State> state_;
};

}  // namespace memgate::sys
