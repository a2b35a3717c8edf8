// Static / setuid detection from the ELF program headers, on synthetic images and on
// this machine's own binaries.
#include <elf.h>
#include <sys/stat.h>

#include <cstring>
#include <vector>

#include <gtest/gtest.h>

#include "alloc/allocator_setup.h"
#include "alloc/executable_check.h"
#include "memgate/error.h"

namespace memgate::alloc {
namespace {

std::vector<std::byte> image(std::vector<Elf64_Word> segment_types) {
  Elf64_Ehdr eh{};
  std::memcpy(eh.e_ident, ELFMAG, SELFMAG);
  eh.e_ident[EI_CLASS] = ELFCLASS64;
  eh.e_phoff = sizeof eh;
  eh.e_phentsize = sizeof(Elf64_Phdr);
  eh.e_phnum = static_cast<Elf64_Half>(segment_types.size());
  std::vector<std::byte> bytes(sizeof eh + segment_types.size() * sizeof(Elf64_Phdr));
  std::memcpy(bytes.data(), &eh, sizeof eh);
  for (std::size_t i = 0; i < segment_types.size(); ++i) {
    Elf64_Phdr ph{};
    ph.p_type = segment_types[i];
    std::memcpy(bytes.data() + sizeof eh + i * sizeof ph, &ph, sizeof ph);
  }
  return bytes;
}

TEST(ElfLinkage, ClassifiesProgramHeaders) {
  EXPECT_EQ(elf_linkage(image({PT_PHDR, PT_INTERP, PT_LOAD, PT_DYNAMIC})), ElfLinkage::dynamic);
  EXPECT_EQ(elf_linkage(image({PT_LOAD, PT_LOAD, PT_TLS})), ElfLinkage::static_exe);
  EXPECT_EQ(elf_linkage(image({PT_LOAD, PT_DYNAMIC})), ElfLinkage::static_exe) << "static-pie: ld.so never runs";
  auto cut = image({PT_LOAD, PT_INTERP});
  cut.resize(cut.size() - 10);
  EXPECT_EQ(elf_linkage(cut), ElfLinkage::truncated);
  const char script[] = "#!/bin/sh\necho hi\n";
  EXPECT_EQ(elf_linkage(std::as_bytes(std::span(script))), ElfLinkage::not_elf);
}

bool exists(const char* path) {
  struct stat st {};
  return ::stat(path, &st) == 0;
}

TEST(ExecutableFacts, ReadsThisMachinesBinaries) {
  const ExecutableFacts ls = inspect_executable("ls");  // through PATH
  EXPECT_EQ(ls.linkage, ElfLinkage::dynamic);
  EXPECT_FALSE(preload_blocker(ls));
  if (!exists("/sbin/ldconfig")) GTEST_SKIP() << "no /sbin/ldconfig (Debian's static-pie binary) here";
  const ExecutableFacts ldconfig = inspect_executable("/sbin/ldconfig");
  EXPECT_EQ(ldconfig.linkage, ElfLinkage::static_exe);
  ASSERT_TRUE(preload_blocker(ldconfig));
  EXPECT_NE(preload_blocker(ldconfig)->find("statically linked"), std::string::npos);
}

TEST(ExecutableFacts, FollowsAScriptToItsInterpreter) {
  const std::string script = std::string(MEMGATE_FIXTURES) + "/../../ci/test";
  const ExecutableFacts facts = inspect_executable(script);
  EXPECT_EQ(facts.linkage, ElfLinkage::not_elf);
  EXPECT_NE(facts.interpreter.find("bash"), std::string::npos) << facts.interpreter;
  EXPECT_EQ(facts.interpreter_linkage, ElfLinkage::dynamic);
}

TEST(ExecutableFacts, SetuidBlocksPreload) {
  if (!exists("/usr/bin/passwd")) GTEST_SKIP() << "no /usr/bin/passwd here";
  const ExecutableFacts passwd = inspect_executable("/usr/bin/passwd");
  if (!passwd.setuid) GTEST_SKIP() << "/usr/bin/passwd is not setuid on this machine";
  ASSERT_TRUE(preload_blocker(passwd));
  EXPECT_NE(preload_blocker(passwd)->find("setuid"), std::string::npos);
}

TEST(ExecutableFacts, MissingTargetCannotStart) {
  try {
    inspect_executable("memgate-no-such-program");
    FAIL() << "accepted a missing program";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::target_failed);
    EXPECT_NE(std::string(e.what()).find("not found in PATH"), std::string::npos);
  }
}

}  // namespace
}  // namespace memgate::alloc
