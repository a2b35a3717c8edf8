// The recorded run directories of tests/fixtures/runs/, copied where memgate may write,
// and whole-file reads and writes for the output tests.
#pragma once

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "integration/run_helpers.h"

namespace memgate::golden {

inline const std::string kFixtures = std::string(MEMGATE_SOURCE_DIR) + "/tests/fixtures";

inline std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

inline void write_text(const std::string& path, const std::string& text) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::ofstream(path, std::ios::binary) << text;
}

struct TempDir {
  std::string path = testing::fresh_dir("output");
  ~TempDir() { std::filesystem::remove_all(path); }
};

// The fixture NAME copied where memgate may write (report.json, compare.md, ...).
inline std::string copy_fixture(const std::string& name, const TempDir& temp) {
  const std::string to = temp.path + "/" + name;
  std::filesystem::copy(kFixtures + "/runs/" + name, to, std::filesystem::copy_options::recursive);
  return to;
}

}  // namespace memgate::golden
