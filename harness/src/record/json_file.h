// Every JSON file memgate reads or writes (scenario files, meta.json, report.json,
// compare.json) goes through here, so hostile input fails the same way everywhere: one
// line naming the file and what is wrong (Error(usage), exit 3), never a crash.
//
// Limits (docs/scenarios.md): nesting deeper than kMaxJsonDepth levels is refused while
// parsing (a deeper document would overflow the stack in nlohmann's recursive copy and
// dump); a file larger than its size cap is refused before it is read. Numbers that do
// not fit a double (1e400) are a usage error naming the file, not an internal one.
//
// Writing: strings that are not valid UTF-8 (an argv byte 0xFF, a path, an environment
// value) are written with each invalid byte replaced by U+FFFD, so a run never fails
// on what it records; the value stays readable but is not byte-exact.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace memgate::record {

inline constexpr int kMaxJsonDepth = 64;
inline constexpr std::uint64_t kMaxRunFileBytes = 64ull << 20;  // meta.json, report.json, compare.json

struct JsonReadOptions {
  std::uint64_t max_bytes = kMaxRunFileBytes;
  bool ignore_comments = false;
  std::string what = "file";            // "scenario file": used in the size / open messages
  std::string hint = "check the path";  // after "cannot open": what to do about it
};

// Parses `text`; `name` (the file) starts every message. Throws Error(usage).
nlohmann::json parse_json_text(std::string_view text, const std::string& name, bool ignore_comments = false);

// Reads and parses a regular file. Throws Error(usage) naming the path: cannot open,
// a directory, over max_bytes, not valid JSON, nested too deep, a number out of range.
nlohmann::json read_json_file(const std::string& path, const JsonReadOptions& options = {});

// value.dump(indent) with invalid UTF-8 replaced (see above); never throws on content.
std::string dump_json(const nlohmann::json& value, int indent = -1);

// Atomic write (temp file + rename). Throws Error(usage) naming the path; on failure
// nothing is left behind (no PATH.tmp).
void write_json_file(const std::string& path, const nlohmann::json& value);

}  // namespace memgate::record
