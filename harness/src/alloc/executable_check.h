// Will LD_PRELOAD reach the target? The dynamic loader ignores it for static
// executables (no PT_INTERP: nothing runs ld.so) and in secure-execution mode
// (setuid/setgid files), so a non-glibc allocator must be refused there.
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string>

namespace memgate::alloc {

enum class ElfLinkage {
  not_elf,     // a script or something else: look at its interpreter
  dynamic,     // has PT_INTERP: ld.so runs and honours LD_PRELOAD
  static_exe,  // no PT_INTERP (static, or static-pie with only PT_DYNAMIC)
  truncated,   // ELF magic but the headers do not fit in the bytes given
};

// Pure: classifies an ELF image from its first bytes (the headers must be inside).
ElfLinkage elf_linkage(std::span<const std::byte> head);

struct ExecutableFacts {
  std::string path;  // resolved like execvp resolves argv[0]
  ElfLinkage linkage = ElfLinkage::not_elf;
  bool setuid = false;      // S_ISUID or S_ISGID on the file
  std::string interpreter;  // "#!" line's program for scripts (already resolved)
  std::optional<ElfLinkage> interpreter_linkage;
};

// Resolves argv0 through PATH (a name with '/' is taken as is). Empty when not found.
std::string resolve_program(const std::string& argv0);

// Reads the file (and a script's interpreter). Throws memgate::Error(usage) when the
// program cannot be found or read.
ExecutableFacts inspect_executable(const std::string& argv0);

// Why LD_PRELOAD would be ignored for this target, or nothing when it will work.
std::optional<std::string> preload_blocker(const ExecutableFacts& facts);

}  // namespace memgate::alloc
