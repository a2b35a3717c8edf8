// Whole-file reads of the files memgate is given (scenarios, meta.json, report.json) and
// the head of a program file. Bounded: a wrong path to a huge file fails with a message
// instead of filling memory.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace memgate::sys {

// No file memgate reads whole is anywhere near this (report.json is bounded by design).
inline constexpr std::size_t kMaxTextFileBytes = std::size_t{256} << 20;

// The file's contents; nullopt with errno set when it cannot be opened or read
// (EISDIR for a directory, EFBIG when it is larger than max_bytes).
std::optional<std::string> try_read_text_file(const std::string& path, std::size_t max_bytes = kMaxTextFileBytes);

// As above, but a file that cannot be read throws Error(usage):
// "cannot read PATH: <OS reason>" followed by hint (e.g. " (is this a memgate run directory?)"),
// or "PATH is larger than N bytes, ..." when it is too large.
std::string read_text_file(const std::string& path, const std::string& hint = "",
                           std::size_t max_bytes = kMaxTextFileBytes);

// The first max_bytes of a file (fewer if it is shorter); nullopt with errno set when
// it cannot be opened or read.
std::optional<std::vector<std::byte>> read_file_head(const std::string& path, std::size_t max_bytes);

}  // namespace memgate::sys
