#include "config/config.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "config/loader.h"
#include "config/values.h"
#include "core/text.h"

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

// The starter's text with its placeholders (config/rapport.starter.toml, compiled in).
std::string_view starter_template();

namespace {

// A TOML basic string's contents: backslash and quote escaped, control characters dropped.
std::string toml_escape(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) >= 0x20) {
      out += c;
    }
  }
  return out;
}

void replace_all(std::string& s, std::string_view from, const std::string& to) {
  for (size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size())) {
    s.replace(at, from.size(), to);
  }
}

}  // namespace

std::string starter_config(const Starter& v) {
  std::string text(starter_template());
  replace_all(text, "@NAME@", toml_escape(v.name));
  replace_all(text, "@EMAIL@", toml_escape(v.email));
  replace_all(text, "@SHOW@", toml_escape(v.show));
  replace_all(text, "@TODAY@", toml_escape(v.today));
  replace_all(text, "@DIGESTS@", toml_escape(v.digests));
  replace_all(text, "@FEED@",
              v.feed.empty()
                  ? "#   [[feed]]\n#   name = \"podcast\"\n#   url = \"https://example.org/feed.xml\""
                  : "[[feed]]\nname = \"podcast\"\nurl = \"" + toml_escape(v.feed) + "\"");
  return text;
}

Audit audit_file(const std::string& path) {
  Loaded loaded = read_file(path, true);
  return {std::move(loaded.problems), std::move(loaded.warnings)};
}

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

std::string default_data_dir_for(const std::string& config_path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::path given = fs::weakly_canonical(fs::absolute(config_path, ec), ec);
  fs::path standard = fs::weakly_canonical(fs::absolute(default_config_path(), ec), ec);
  if (given == standard) return default_data_dir();
  std::string name = given.stem().string();
  if (name == "rapport" || name == "config" || name.empty()) {
    name = given.parent_path().filename().string();
  }
  // A folder name anyone can read: letters, digits and dashes.
  std::string slug;
  for (char c : ascii_lower(name)) {
    bool keep = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    if (keep) {
      slug += c;
    } else if (!slug.empty() && slug.back() != '-') {
      slug += '-';
    }
  }
  while (!slug.empty() && slug.back() == '-') slug.pop_back();
  if (slug.empty()) slug = "show";
  return default_data_dir() + "/" + slug;
}

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

bool valid_show_slug(std::string_view slug) {
  if (slug.empty() || slug.size() > 40 || slug[0] < 'a' || slug[0] > 'z') return false;
  return std::all_of(slug.begin(), slug.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
  });
}

}  // namespace rapport::config
