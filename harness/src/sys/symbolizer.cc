#include "sys/symbolizer.h"

#include <cxxabi.h>
#include <dwarf.h>
#include <elfutils/libdw.h>
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

namespace {

// A scope's function name: its linkage name demangled, else its DWARF name (both through
// DW_AT_abstract_origin, where an inlined copy keeps them).
std::string scope_name(Dwarf_Die* scope) {
  Dwarf_Attribute attr;
  for (const int at : {DW_AT_linkage_name, DW_AT_MIPS_linkage_name})
    if (dwarf_attr_integrate(scope, at, &attr))
      if (const char* name = dwarf_formstring(&attr)) return demangle(name);
  if (dwarf_attr_integrate(scope, DW_AT_name, &attr))
    if (const char* name = dwarf_formstring(&attr)) return name;
  return {};
}

}  // namespace

Dwfl_Module* Symbolizer::module_at(const std::string& module_path, std::uint64_t file_offset, std::uint64_t& at) {
  if (!state_->dwfl) return nullptr;
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
  Dwarf_Addr address = 0;
  if (!it->second || !module_address(it->second, file_offset, address)) return nullptr;
  at = address;
  return it->second;
}

SourceLocation Symbolizer::lookup(const std::string& module_path, std::uint64_t file_offset) {
  SourceLocation out;
  std::uint64_t at = 0;
  Dwfl_Module* m = module_at(module_path, file_offset, at);
  if (!m) return out;
  out.function = demangle(dwfl_module_addrname(m, at));
  if (Dwfl_Line* line = dwfl_module_getsrc(m, at)) {
    int lineno = 0;
    if (const char* file = dwfl_lineinfo(line, nullptr, &lineno, nullptr, nullptr, nullptr)) {
      out.file = file;
      out.line = lineno;
    }
  }
  return out;
}

std::vector<SourceLocation> Symbolizer::lookup_inlined(const std::string& module_path, std::uint64_t file_offset) {
  std::vector<SourceLocation> chain{lookup(module_path, file_offset)};
  std::string emitted = chain.front().function;
  std::uint64_t at = 0;
  Dwfl_Module* m = module_at(module_path, file_offset, at);
  Dwarf_Addr bias = 0;
  Dwarf_Die* cu = m ? dwfl_module_addrdie(m, at, &bias) : nullptr;
  Dwarf_Die* scopes = nullptr;
  const int n = cu ? dwarf_getscopes(cu, at - bias, &scopes) : 0;
  // The innermost function scope holding the address; when it is an inlined copy, its
  // concrete parents (dwarf_getscopes_die; dwarf_getscopes itself continues into the
  // abstract origin) give each inlined call's site in the next function out.
  Dwarf_Die* innermost = nullptr;
  for (int i = 0; i < n && !innermost; ++i)
    if (dwarf_tag(&scopes[i]) == DW_TAG_inlined_subroutine || dwarf_tag(&scopes[i]) == DW_TAG_subprogram)
      innermost = &scopes[i];
  Dwarf_Die* parents = nullptr;
  const int levels =
      innermost && dwarf_tag(innermost) == DW_TAG_inlined_subroutine ? dwarf_getscopes_die(innermost, &parents) : 0;
  Dwarf_Files* files = nullptr;
  std::size_t file_count = 0;
  if (levels > 0 && dwarf_getsrcfiles(cu, &files, &file_count) != 0) files = nullptr;
  for (int i = 0; i < levels && files; ++i) {
    if (dwarf_tag(&parents[i]) == DW_TAG_subprogram) break;
    if (dwarf_tag(&parents[i]) != DW_TAG_inlined_subroutine) continue;
    chain.back().function = scope_name(&parents[i]);
    Dwarf_Attribute attr;
    Dwarf_Word file = 0, line = 0;
    if (!dwarf_attr(&parents[i], DW_AT_call_file, &attr) || dwarf_formudata(&attr, &file) != 0 ||
        !dwarf_attr(&parents[i], DW_AT_call_line, &attr) || dwarf_formudata(&attr, &line) != 0 || file >= file_count)
      break;
    const char* name = dwarf_filesrc(files, file, nullptr, nullptr);
    SourceLocation caller;
    caller.file = name ? name : "";
    caller.line = static_cast<int>(line);
    chain.push_back(std::move(caller));
  }
  std::free(parents);                          // NOLINT(cppcoreguidelines-no-malloc): dwarf_getscopes_die's contract
  std::free(scopes);                           // NOLINT(cppcoreguidelines-no-malloc): dwarf_getscopes' contract
  chain.back().function = std::move(emitted);  // the symbol table's name, with its parameters
  return chain;
}

}  // namespace memgate::sys
