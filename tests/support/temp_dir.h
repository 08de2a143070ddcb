// TempDir: a fresh folder under the system temp folder, removed with everything in it when
// the object goes away.
#pragma once

#include <filesystem>
#include <string>

namespace rapport::testing {

class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::string str() const { return path_.string(); }
  // Writes `content` to a file below the folder (creating parent folders) and returns its path.
  std::filesystem::path write(const std::string& relative, const std::string& content) const;

 private:
  std::filesystem::path path_;
};

// The whole content of a file; empty when it cannot be read.
std::string read_file(const std::filesystem::path& path);

// A file from tests/data.
std::string test_data(const std::string& relative);

}  // namespace rapport::testing
