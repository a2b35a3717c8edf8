#include "sys/symbolizer.h"

#include <cxxabi.h>
#include <elfutils/libdwfl.h>
#include <gelf.h>

#include <cstdlib>
#include <map>

namespace memgate::sys {

namespace {

// Each module is reported at its own base, far apart, so addresses never collide.
constexpr std::uint64_t kModuleSpacing = std::uint64_t{1} << 36;

std::string demangle(const char* name) {
  if (!name) return {};
  int status = 0;
  char* out = abi::__cxa_demangle(name, nullptr, nullptr, &status);
  if (status != 0 || !out) return name;
  std::string text = out;
  std::free(out);  // NOLINT(cppcoreguidelines-no-malloc): __cxa_demangle's contract
  return text;
}

char* debuginfo_path = nullptr;  // libdwfl's default search (/usr/lib/debug, .debug, build-id)

const Dwfl_Callbacks kCallbacks = {
    .find_elf = dwfl_build_id_find_elf,
    .find_debuginfo = dwfl_standard_find_debuginfo,
    .section_address = dwfl_offline_section_address,
    .debuginfo_path = &debuginfo_path,
};

// The module's address of a file offset: the PT_LOAD segment holding it says where it
// is mapped (offsets and addresses differ for fixed-address executables).
bool module_address(Dwfl_Module* m, std::uint64_t offset, Dwarf_Addr& out) {
  Dwarf_Addr bias = 0;
  Elf* elf = dwfl_module_getelf(m, &bias);
  std::size_t count = 0;
  if (!elf || elf_getphdrnum(elf, &count) != 0) return false;
  for (std::size_t i = 0; i < count; ++i) {
    GElf_Phdr ph;
    if (!gelf_getphdr(elf, static_cast<int>(i), &ph) || ph.p_type != PT_LOAD) continue;
    if (offset >= ph.p_offset && offset < ph.p_offset + ph.p_filesz) {
      out = bias + (offset - ph.p_offset + ph.p_vaddr);
      return true;
    }
  }
  return false;
}

}  // namespace

struct Symbolizer::State {
  Dwfl* dwfl = nullptr;
  std::map<std::string, Dwfl_Module*> modules;  // nullptr: the file could not be read
  std::uint64_t next_base = kModuleSpacing;
};

Symbolizer::Symbolizer() : state_(std::make_unique<State>()) { state_->dwfl = dwfl_begin(&kCallbacks); }

Symbolizer::~Symbolizer() {
  if (state_->dwfl) dwfl_end(state_->dwfl);
}

SourceLocation Symbolizer::lookup(const std::string& module_path, std::uint64_t file_offset) {
  SourceLocation out;
  if (!state_->dwfl) return out;
  auto [it, inserted] = state_->modules.try_emplace(module_path, nullptr);
  if (inserted) {
    // add_p_vaddr: PIE and shared objects are placed at the base; a fixed-address
    // executable (ET_EXEC) cannot move, so a second try reports it where it is.
    for (const std::uint64_t base : {state_->next_base, std::uint64_t{0}}) {
      dwfl_report_begin_add(state_->dwfl);
      it->second = dwfl_report_elf(state_->dwfl, module_path.c_str(), module_path.c_str(), -1, base, true);
      dwfl_report_end(state_->dwfl, nullptr, nullptr);
      if (it->second) break;
    }
    state_->next_base += kModuleSpacing;
  }
  Dwarf_Addr at = 0;
  if (!it->second || !module_address(it->second, file_offset, at)) return out;
  out.function = demangle(dwfl_module_addrname(it->second, at));
  if (Dwfl_Line* line = dwfl_module_getsrc(it->second, at)) {
    int lineno = 0;
    if (const char* file = dwfl_lineinfo(line, nullptr, &lineno, nullptr, nullptr, nullptr)) {
      out.file = file;
      out.line = lineno;
    }
  }
  return out;
}

}  // namespace memgate::sys
