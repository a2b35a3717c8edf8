// sys/install_paths.h: an override wins, then the installed layout relative to the
// executable, then the build tree (only for a program inside it).
#include "sys/install_paths.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>

namespace memgate::sys {
namespace {

namespace fs = std::filesystem;

class InstallPaths : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() / ("memgate-install-paths-" + std::to_string(::getpid()) + "-" +
                                         ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
    fs::create_directories(root_);
    root_ = fs::canonical(root_);
  }
  void TearDown() override { fs::remove_all(root_); }
  fs::path root_;
};

TEST_F(InstallPaths, AnOverrideWinsAndSaysSo) {
  const PartLocation at = locate_for(Part::reports, (root_ / "bin/memgate").string(), root_.c_str());
  EXPECT_EQ(at.path, root_.string());
  EXPECT_EQ(at.where, "$MEMGATE_REPORTS_DIR");
  EXPECT_TRUE(at.found);
  // memgate-spawn has no override: the value is ignored.
  EXPECT_NE(locate_for(Part::spawner, (root_ / "bin/memgate").string(), root_.c_str()).where, "$MEMGATE_REPORTS_DIR");
}

TEST_F(InstallPaths, TheInstalledLayoutIsRelativeToTheExecutable) {
  fs::create_directories(root_ / "share/memgate/reports");
  const PartLocation at = locate_for(Part::reports, (root_ / "bin/memgate").string(), nullptr);
  EXPECT_EQ(at.path, (root_ / "share/memgate/reports").string());
  EXPECT_EQ(at.where, "installed");
  EXPECT_TRUE(at.found);
}

TEST_F(InstallPaths, SpawnerNextToACopiedMemgate) {
  fs::create_directories(root_ / "copy");
  std::ofstream(root_ / "copy/memgate-spawn") << "";
  const PartLocation at = locate_for(Part::spawner, (root_ / "copy/memgate").string(), nullptr);
  EXPECT_EQ(at.path, (root_ / "copy/memgate-spawn").string());
  EXPECT_TRUE(at.found);
}

TEST_F(InstallPaths, ACopyOutsideTheBuildTreeNeverPointsIntoIt) {
  // Only the build tree has the pipelines here: a copy elsewhere must not use them.
  const PartLocation at = locate_for(Part::pipelines, (root_ / "bin/memgate").string(), nullptr);
  EXPECT_FALSE(at.found);
  EXPECT_EQ(at.where, "not found");
  EXPECT_EQ(at.path.rfind(root_.string() + "/", 0), 0u) << at.path;
}

TEST(InstallPathsSelf, ATestProgramFindsTheBuildTreesParts) {
  // This program runs from the build tree, which holds every part (the pipelines are an
  // optional build: the Cli integration test checks them through memgate doctor).
  for (const auto& p : all_parts()) {
    if (p.part == Part::pipelines) continue;
    const PartLocation at = locate_for(p.part, fs::canonical("/proc/self/exe").string(), nullptr);
    EXPECT_TRUE(at.found) << p.name << ": " << at.path;
    EXPECT_EQ(at.where, "build tree") << p.name;
  }
}

}  // namespace
}  // namespace memgate::sys
