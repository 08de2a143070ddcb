// The libFuzzer entry point of one target, chosen at compile time (RAPPORT_FUZZ_TARGET).
#include <cstddef>
#include <cstdint>

#include "tests/fuzz/fuzz_targets.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return rapport::fuzz::RAPPORT_FUZZ_TARGET(data, size);
}
