// Every input a fuzzer ever found a crash with is kept under tests/data/fuzz/TARGET/ and run
// through its target on every build, beside the seeds the fuzzers start from.
#include <gtest/gtest.h>

#include <filesystem>
#include <sstream>

#include "tests/fuzz/fuzz_targets.h"
#include "tests/support/temp_dir.h"

namespace rapport::fuzz {
namespace {

namespace fs = std::filesystem;

std::vector<fs::path> files_under(const fs::path& p) {
  std::vector<fs::path> out;
  std::error_code ec;
  if (fs::is_regular_file(p, ec)) {
    out.push_back(p);
  } else if (fs::is_directory(p, ec)) {
    for (const auto& e : fs::recursive_directory_iterator(p, ec)) {
      if (e.is_regular_file()) out.push_back(e.path());
    }
  }
  return out;
}

TEST(FuzzTargets, EveryTargetHasSeedsAndTheyRunCleanly) {
  for (const Target& t : targets()) {
    std::istringstream seeds{std::string(t.seeds)};
    std::string seed;
    size_t files = 0;
    while (seeds >> seed) {
      for (const auto& f : files_under(fs::path(RAPPORT_SOURCE_DIR) / seed)) {
        std::string bytes = testing::read_file(f);
        EXPECT_EQ(t.run(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()), 0);
        ++files;
      }
    }
    EXPECT_GT(files, 0u) << t.name << " has no seed";
  }
}

TEST(FuzzTargets, EveryKeptCrashInputRunsCleanly) {
  size_t kept = 0;
  for (const Target& t : targets()) {
    for (const auto& f : files_under(fs::path(RAPPORT_TEST_DATA) / "fuzz" / std::string(t.name))) {
      std::string bytes = testing::read_file(f);
      EXPECT_EQ(t.run(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()), 0) << f;
      ++kept;
    }
  }
  RecordProperty("kept_inputs", static_cast<int>(kept));
}

TEST(FuzzTargets, EmptyAndOneByteInputsRunCleanly) {
  for (const Target& t : targets()) {
    EXPECT_EQ(t.run(nullptr, 0), 0) << t.name;
    for (int b = 0; b < 256; ++b) {
      std::uint8_t byte = static_cast<std::uint8_t>(b);
      EXPECT_EQ(t.run(&byte, 1), 0) << t.name;
    }
  }
}

}  // namespace
}  // namespace rapport::fuzz
