// A user's tests gating blocks of their own code. Leaking.* fail on purpose; the driver
// runs each group and checks the exit code and the failure text.
#include <memgate/gtest.h>

#include <memory>
#include <string>
#include <vector>

namespace {

std::vector<std::unique_ptr<char[]>>& cache() {
  static std::vector<std::unique_ptr<char[]>> kept = [] {
    std::vector<std::unique_ptr<char[]>> v;
    v.reserve(1000);
    return v;
  }();
  return kept;
}

void remember(std::size_t bytes) { cache().push_back(std::make_unique<char[]>(bytes)); }

std::size_t count_words(const std::string& text) {
  std::vector<std::string> words;
  std::string word;
  for (char c : text) {
    if (c == ' ') {
      words.push_back(word);
      word.clear();
    } else {
      word += c;
    }
  }
  return words.size();
}

TEST(Leaking, KeepsAKilobytePerCall) { MEMGATE_EXPECT_NO_LEAK(remember(1024), 20, 2); }

TEST(Leaking, PeaksAbove8MiB) { MEMGATE_EXPECT_PEAK_BELOW(std::vector<char>(32 << 20, 1), "8MiB"); }

TEST(NotLeaking, ParsesWithoutKeepingAnything) {
  const std::string text(2000, ' ');
  MEMGATE_EXPECT_NO_LEAK(count_words(text), 20, 2);
  MEMGATE_ASSERT_PEAK_BELOW(count_words(text), 8u << 20);
}

}  // namespace
