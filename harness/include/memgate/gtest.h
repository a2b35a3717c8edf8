// GoogleTest assertions over memgate's in-process gates (docs/in-process-gates.md).
// CMake: find_package(memgate CONFIG) and link memgate::gtest.
//
//   MEMGATE_EXPECT_NO_LEAK(parse(doc), 20, 2);               // 2 warm-ups, 20 judged runs
//   MEMGATE_EXPECT_PEAK_BELOW(load_all(), "64MiB");           // or a number of bytes
//
// The block is one statement or a braced block; a comma outside parentheses splits macro
// arguments, so wrap such code in parentheses or a lambda call. ASSERT_ variants return
// from the test on failure. The function forms return a ::testing::AssertionResult.
#pragma once

#include <gtest/gtest.h>

#include <string_view>
#include <type_traits>

#include "memgate/gate.h"

namespace memgate::testing {

inline ::testing::AssertionResult to_assertion(const gate::Verdict& v) {
  return v.passed() ? ::testing::AssertionSuccess() << v.message : ::testing::AssertionFailure() << v.message;
}

inline ::testing::AssertionResult NoLeak(const std::function<void()>& block, std::size_t iterations,
                                         std::size_t warmups) {
  return to_assertion(gate::no_leak(block, iterations, warmups));
}

inline ::testing::AssertionResult NoLeak(const std::function<void()>& block, const gate::LeakOptions& options) {
  return to_assertion(gate::no_leak(block, options));
}

template <typename Limit>
::testing::AssertionResult PeakBelow(const std::function<void()>& block, const Limit& limit) {
  if constexpr (std::is_convertible_v<Limit, std::string_view>)
    return to_assertion(gate::peak_below(block, std::string_view(limit)));
  else return to_assertion(gate::peak_below(block, static_cast<std::uint64_t>(limit)));
}

}  // namespace memgate::testing

#define MEMGATE_GATE_(result, on_failure)                                         \
  GTEST_AMBIGUOUS_ELSE_BLOCKER_                                                   \
  if (const ::testing::AssertionResult memgate_gate_result = (result)) /* pass */ \
    ;                                                                             \
  else on_failure() << memgate_gate_result.message()

#define MEMGATE_EXPECT_NO_LEAK(block, iterations, warmups) \
  MEMGATE_GATE_(::memgate::testing::NoLeak([&] { block; }, (iterations), (warmups)), ADD_FAILURE)
#define MEMGATE_ASSERT_NO_LEAK(block, iterations, warmups) \
  MEMGATE_GATE_(::memgate::testing::NoLeak([&] { block; }, (iterations), (warmups)), GTEST_FAIL)
#define MEMGATE_EXPECT_PEAK_BELOW(block, limit) \
  MEMGATE_GATE_(::memgate::testing::PeakBelow([&] { block; }, (limit)), ADD_FAILURE)
#define MEMGATE_ASSERT_PEAK_BELOW(block, limit) \
  MEMGATE_GATE_(::memgate::testing::PeakBelow([&] { block; }, (limit)), GTEST_FAIL)
