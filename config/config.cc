#include "config/config.h"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "config/loader.h"
#include "config/values.h"

namespace rapport::config {

std::string Secret::describe() const {
  if (!env.empty()) return "environment variable " + env;
  if (!file.empty()) return "file " + file;
  return "nothing";
}

Result<std::string> Secret::resolve() const {
  if (!env.empty()) {
    const char* v = std::getenv(env.c_str());
    if (!v || !*v) {
      return make_error(ErrorCode::kConfig, "environment variable " + env + " is not set", "",
                        "export " + env + " before starting rapport");
    }
    return std::string(v);
  }
  if (!file.empty()) {
    std::ifstream in(file, std::ios::binary);
    if (!in) {
      return make_error(ErrorCode::kConfig, "cannot read the secret file", file,
                        "check that the file exists and is readable by this user");
    }
    std::stringstream buf;
    buf << in.rdbuf();
    std::string s = buf.str();
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
    return s;
  }
  return std::string();
}

Result<Config> load(const std::string& path) {
  Loaded loaded = read_file(path);
  if (!loaded.config) return loaded.problems.front();
  return std::move(*loaded.config);
}

std::vector<Error> check(const std::string& path) { return read_file(path).problems; }

std::vector<Error> check_text(std::string_view toml, const std::string& path) {
  return read_text(toml, path).problems;
}

std::string nearest(const std::string& word, const std::vector<std::string>& candidates) {
  std::string best;
  size_t best_d = std::string::npos;
  for (const auto& c : candidates) {
    // Levenshtein distance with one row.
    std::vector<size_t> row(c.size() + 1);
    for (size_t j = 0; j <= c.size(); ++j) row[j] = j;
    for (size_t i = 1; i <= word.size(); ++i) {
      size_t diag = row[0];
      row[0] = i;
      for (size_t j = 1; j <= c.size(); ++j) {
        size_t up = row[j];
        size_t cost = std::tolower(static_cast<unsigned char>(word[i - 1])) ==
                              std::tolower(static_cast<unsigned char>(c[j - 1]))
                          ? 0
                          : 1;
        row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + cost});
        diag = up;
      }
    }
    if (row[c.size()] < best_d) {
      best_d = row[c.size()];
      best = c;
    }
  }
  size_t limit = std::max<size_t>(2, word.size() / 3);
  if (best_d > limit) return {};
  return best;
}

std::string default_data_dir() { return data_home() + "/rapport"; }

std::string default_config_path() {
  const char* xdg = std::getenv("XDG_CONFIG_HOME");
  std::string base;
  if (xdg && *xdg) {
    base = xdg;
  } else {
    const char* home = std::getenv("HOME");
    base = std::string(home ? home : ".") + "/.config";
  }
  return base + "/rapport/rapport.toml";
}

}  // namespace rapport::config
