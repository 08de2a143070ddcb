#include "tests/support/corpus.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>

namespace rapport::testing {

namespace {

std::string trim_newlines(std::string s) {
  while (!s.empty() && s.back() == '\n') s.pop_back();
  return s;
}

}  // namespace

std::vector<ReplyCase> load_reply_corpus(const std::string& folder) {
  std::vector<std::filesystem::path> files;
  for (const auto& e : std::filesystem::directory_iterator(folder)) {
    if (e.path().extension() == ".txt") files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  std::vector<ReplyCase> out;
  for (const auto& file : files) {
    std::ifstream in(file, std::ios::binary);
    std::string line;
    ReplyCase c;
    bool in_expected = false;
    auto finish = [&] {
      if (c.name.empty()) return;
      c.mail = trim_newlines(c.mail);
      c.expected = trim_newlines(c.expected);
      const std::string head =
          "From: Listener <listener@example.org>\nTo: sam@slowgarden.example\n"
          "Subject: Re: Ep. 12: Compost, slowly\nMIME-Version: 1.0\n";
      if (c.mail.rfind("Content-Type:", 0) == 0) {
        c.mail = head + c.mail + "\n";
      } else {
        c.mail = head + "Content-Type: text/plain; charset=utf-8\n\n" + c.mail + "\n";
      }
      out.push_back(std::move(c));
      c = ReplyCase();
    };
    while (std::getline(in, line)) {
      if (line.rfind("### ", 0) == 0) {
        finish();
        c.category = file.stem().string();
        c.name = line.substr(4);
        in_expected = false;
      } else if (line == "=== expected") {
        in_expected = true;
      } else if (!c.name.empty()) {
        (in_expected ? c.expected : c.mail) += line + "\n";
      }
    }
    finish();
  }
  return out;
}

std::vector<ClassCase> load_class_corpus(const std::string& folder) {
  std::vector<std::filesystem::path> files;
  for (const auto& e : std::filesystem::directory_iterator(folder)) {
    if (e.path().extension() == ".txt") files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  std::vector<ClassCase> out;
  for (const auto& file : files) {
    std::ifstream in(file, std::ios::binary);
    std::string line;
    ClassCase c;
    auto finish = [&] {
      if (!c.name.empty()) out.push_back(std::move(c));
      c = ClassCase();
    };
    while (std::getline(in, line)) {
      if (line.rfind("### ", 0) == 0) {
        finish();
        c.category = file.stem().string();
        std::string rest = line.substr(4);
        size_t space = rest.rfind(' ');
        c.name = rest.substr(0, space);
        c.expected = space == std::string::npos ? "" : rest.substr(space + 1);
      } else if (!c.name.empty()) {
        c.mail += line + "\n";
      }
    }
    finish();
  }
  return out;
}

std::vector<FeedCase> load_feed_corpus(const std::string& folder) {
  std::vector<std::filesystem::path> files;
  for (const auto& e : std::filesystem::recursive_directory_iterator(folder)) {
    if (e.path().extension() == ".xml") files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  std::vector<FeedCase> out;
  for (const auto& file : files) {
    FeedCase c;
    c.category = file.parent_path().filename().string();
    c.name = file.stem().string();
    std::ifstream in(file, std::ios::binary);
    c.bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    std::filesystem::path expected = file;
    expected.replace_extension(".expected");
    std::ifstream ex(expected, std::ios::binary);
    std::string line;
    while (std::getline(ex, line)) {
      size_t colon = line.find(':');
      if (colon == std::string::npos) continue;
      std::string value = line.substr(colon + 1);
      if (!value.empty() && value.front() == ' ') value.erase(0, 1);
      c.expected.emplace_back(line.substr(0, colon), value);
    }
    out.push_back(std::move(c));
  }
  return out;
}

}  // namespace rapport::testing
