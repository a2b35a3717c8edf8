// Shared by the fuzz targets: the one invariant every parser promises (a value or a
// memgate::Error, nothing else), failing loudly on a broken one, and a scratch
// directory for targets whose code under test reads files.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "memgate/error.h"

namespace memgate::fuzz {

// Aborts (libFuzzer and the replay driver report the input) with what was violated.
[[noreturn]] void violated(const std::string& what);

// FUZZ_CHECK(cond, "what"): the invariant `cond` must hold for every input.
#define FUZZ_CHECK(cond, what)                                                  \
  do {                                                                          \
    if (!(cond)) ::memgate::fuzz::violated(std::string(what) + " [" #cond "]"); \
  } while (0)

// Runs fn(); a memgate::Error is an accepted outcome (false), any other exception
// escapes and aborts the run as an uncaught exception.
template <class Fn>
bool accepts(Fn&& fn) {
  try {
    fn();
    return true;
  } catch (const memgate::Error&) {
    return false;
  }
}

// A directory of this process's own (created once, removed at exit).
const std::string& scratch_dir();
// Writes bytes to scratch_dir()/name and returns the path.
std::string write_scratch(const std::string& name, std::string_view bytes);

// Strict UTF-8 (no overlongs, surrogates or code points above U+10FFFF).
bool is_utf8(std::string_view text);

inline std::string_view as_text(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

}  // namespace memgate::fuzz
