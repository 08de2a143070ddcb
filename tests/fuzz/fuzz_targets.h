// The fuzz targets: one function per parser that reads outside input, fed arbitrary bytes.
// libFuzzer runs each as its own binary (tests/fuzz/fuzz_entry.cc, scripts/fuzz.sh); the test
// suite runs every input kept under tests/data/fuzz/TARGET/ through the same function, so an
// input that once crashed a parser is checked on every build.
//
// A target returns 0; it fails only by crashing, hanging, or tripping a sanitizer or an
// assertion about what the parser promises (bounded output, valid UTF-8).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace rapport::fuzz {

using TargetFunction = int (*)(const std::uint8_t* data, std::size_t size);

struct Target {
  std::string_view name;  // "feed", "mail", …; also the folder of its kept inputs
  TargetFunction run;
  std::string_view seeds;  // files or folders (relative to the source tree) that seed it
};

const std::vector<Target>& targets();

int feed(const std::uint8_t* data, std::size_t size);
int mail(const std::uint8_t* data, std::size_t size);
int headers(const std::uint8_t* data, std::size_t size);
int html(const std::uint8_t* data, std::size_t size);
int reply(const std::uint8_t* data, std::size_t size);
int csv(const std::uint8_t* data, std::size_t size);
int jsonl(const std::uint8_t* data, std::size_t size);
int webhook(const std::uint8_t* data, std::size_t size);
int config(const std::uint8_t* data, std::size_t size);
int dates(const std::uint8_t* data, std::size_t size);
int digest_commands(const std::uint8_t* data, std::size_t size);
int http(const std::uint8_t* data, std::size_t size);
int web(const std::uint8_t* data, std::size_t size);
int social(const std::uint8_t* data, std::size_t size);

}  // namespace rapport::fuzz
