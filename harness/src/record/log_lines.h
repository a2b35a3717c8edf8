// Line-by-line reading of a streamed sample-log file across its segments
// (record/segments.h): the closed segments, compressed or not, then the live file,
// transparently, in bounded memory.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

namespace memgate::record {

struct LogLine {
  std::string_view text;      // without its newline; empty when oversized
  const std::string* source;  // the segment file it is in (for messages)
  std::size_t number = 0;     // 1-based line number within that file
  bool oversized = false;     // longer than max_line: text left out
};

// Calls on_line for every newline-terminated line of DIR/NAME's segments and live file
// (path = DIR/NAME). The unterminated last line of a file (memgate killed or out of disk
// mid-write), or the tail of a damaged compressed segment, is skipped and counted: the
// return value. When no file exists: throws Error(usage) "cannot read PATH: ..." + hint,
// or, with missing_ok, reads nothing.
std::size_t read_log_lines(const std::string& path, std::size_t max_line,
                           const std::function<void(const LogLine&)>& on_line, bool missing_ok = false,
                           const std::string& hint = "");

}  // namespace memgate::record
