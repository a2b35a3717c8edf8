#include "alloc/executable_check.h"

#include <elf.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <sstream>
#include <vector>

#include "memgate/error.h"
#include "sys/executable.h"
#include "sys/file_access.h"
#include "sys/read_file.h"

namespace memgate::alloc {
namespace {

template <typename Ehdr, typename Phdr>
ElfLinkage linkage_of(std::span<const std::byte> head) {
  if (head.size() < sizeof(Ehdr)) return ElfLinkage::truncated;
  Ehdr eh;
  std::memcpy(&eh, head.data(), sizeof eh);
  if (eh.e_phentsize != sizeof(Phdr)) return ElfLinkage::truncated;
  const std::size_t end = static_cast<std::size_t>(eh.e_phoff) + std::size_t{eh.e_phnum} * sizeof(Phdr);
  if (eh.e_phoff == 0 || end > head.size()) return ElfLinkage::truncated;
  for (std::size_t i = 0; i < eh.e_phnum; ++i) {
    Phdr ph;
    std::memcpy(&ph, head.data() + eh.e_phoff + i * sizeof(Phdr), sizeof ph);
    if (ph.p_type == PT_INTERP) return ElfLinkage::dynamic;
  }
  return ElfLinkage::static_exe;
}

std::vector<std::byte> read_head(const std::string& path, std::size_t max) {
  auto bytes = sys::read_file_head(path, max);
  if (!bytes) throw Error(ExitCode::usage, "cannot read the target " + path + ": check the path and its permissions");
  return std::move(*bytes);
}

// Program headers sit right after the ELF header in every linker's output; 64 KiB
// covers them with a wide margin.
constexpr std::size_t kHeadBytes = 64 * 1024;

}  // namespace

ElfLinkage elf_linkage(std::span<const std::byte> head) {
  if (head.size() < EI_NIDENT || std::memcmp(head.data(), ELFMAG, SELFMAG) != 0) return ElfLinkage::not_elf;
  const auto cls = static_cast<unsigned char>(head[EI_CLASS]);
  if (cls == ELFCLASS64) return linkage_of<Elf64_Ehdr, Elf64_Phdr>(head);
  if (cls == ELFCLASS32) return linkage_of<Elf32_Ehdr, Elf32_Phdr>(head);
  return ElfLinkage::truncated;
}

std::string resolve_program(const std::string& argv0) { return sys::find_program(argv0); }

ExecutableFacts inspect_executable(const std::string& argv0) {
  ExecutableFacts facts;
  facts.path = resolve_program(argv0);
  if (facts.path.empty()) {
    // Built with append: GCC 12 flags "literal" + std::string here with a false -Wrestrict.
    std::string message = "target '";
    message.append(argv0).append("' not found in PATH: give its path, e.g. ./").append(argv0);
    throw Error(ExitCode::target_failed, message);  // like any target that cannot start
  }
  const auto status = sys::file_status(facts.path);
  if (!status) throw Error(ExitCode::target_failed, errno_message("cannot stat the target " + facts.path, errno));
  facts.setuid = status->set_id;
  const auto head = read_head(facts.path, kHeadBytes);
  facts.linkage = elf_linkage(head);
  if (facts.linkage == ElfLinkage::not_elf && head.size() > 2 && head[0] == std::byte{'#'} &&
      head[1] == std::byte{'!'}) {
    // "#!/usr/bin/env python3 -u": LD_PRELOAD reaches the interpreter named first.
    std::string line(reinterpret_cast<const char*>(head.data()) + 2, std::min<std::size_t>(head.size() - 2, 256));
    line = line.substr(0, line.find('\n'));
    const std::size_t begin = line.find_first_not_of(" \t");
    if (begin != std::string::npos) {
      std::istringstream words(line.substr(begin));
      std::string program;
      words >> program;
      // "#!/usr/bin/env [-S] python3": the program env runs is the one that matters.
      if (program.ends_with("/env"))
        while (words >> program && program.starts_with("-")) {
        }
      facts.interpreter = resolve_program(program);
      if (!facts.interpreter.empty()) facts.interpreter_linkage = elf_linkage(read_head(facts.interpreter, kHeadBytes));
    }
  }
  return facts;
}

std::optional<std::string> preload_blocker(const ExecutableFacts& facts) {
  if (facts.setuid) return facts.path + " is setuid/setgid: the dynamic loader ignores LD_PRELOAD for it";
  if (facts.linkage == ElfLinkage::static_exe)
    return facts.path + " is statically linked (no PT_INTERP): LD_PRELOAD never loads";
  if (facts.interpreter_linkage == ElfLinkage::static_exe)
    return facts.path + " runs under " + facts.interpreter + ", which is statically linked: LD_PRELOAD never loads";
  return std::nullopt;
}

}  // namespace memgate::alloc
